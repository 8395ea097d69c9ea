import { list, type ReadEntry } from 'tar';
import { type PackageManifest } from './workspace-packages.js';

/** What an npm package tarball holds. */
export interface TarballContents {
  /** Paths inside the package, without the leading `package/`, sorted. */
  files: string[];
  /** The packed `package.json` (as published, after pnpm rewrote `workspace:` ranges). */
  manifest: PackageManifest;
}

/** Reads the file list and the packed `package.json` of a `.tgz` made by `pnpm pack` / `npm pack`. */
export async function readTarball(file: string): Promise<TarballContents> {
  const files: string[] = [];
  let manifestText: string | undefined;
  await list({
    file,
    onReadEntry: (entry: ReadEntry) => {
      const path = entry.path.replace(/^package\//, '');
      if (entry.type === 'File') files.push(path);
      if (path === 'package.json') {
        const chunks: Buffer[] = [];
        entry.on('data', (chunk: Buffer) => chunks.push(chunk));
        entry.on('end', () => (manifestText = Buffer.concat(chunks).toString('utf8')));
      } else {
        entry.resume();
      }
    },
  });
  if (manifestText === undefined) throw new Error(`${file} has no package/package.json; it is not an npm package tarball.`);
  return { files: files.sort(), manifest: JSON.parse(manifestText) as PackageManifest };
}

/**
 * The only files a published package may contain: built files and types under dist, the
 * WebAssembly binaries the browser build loads (dist/wasm), docs, licence.
 */
const ALLOWED = [
  /^dist\/.+\.(js|cjs|mjs|d\.ts|d\.cts|d\.mts|map)$/,
  /^dist\/wasm\/[\w.-]+\.wasm$/,
  /^README\.md$/,
  /^LICENSE$/,
  /^CHANGELOG\.md$/,
  /^package\.json$/,
];

/** The files of a tarball that a user does not need (anything but dist, README, LICENSE, CHANGELOG, package.json). */
export function unexpectedFiles(files: readonly string[]): string[] {
  return files.filter((file) => !ALLOWED.some((pattern) => pattern.test(file)));
}

/**
 * The dependency entries of a packed manifest that are not real version ranges
 * (`workspace:`, `link:`, `file:`, `catalog:`), as `section.name=range`. Empty when publishable.
 */
export function unpublishableRanges(manifest: PackageManifest): string[] {
  const bad: string[] = [];
  const sections = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies'] as const;
  for (const section of sections) {
    for (const [name, range] of Object.entries(manifest[section] ?? {})) {
      if (/^(workspace|link|file|catalog|portal):/.test(range)) bad.push(`${section}.${name}=${range}`);
    }
  }
  return bad;
}
