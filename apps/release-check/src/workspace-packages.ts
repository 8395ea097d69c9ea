import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The fields of a package.json that the release checks read. */
export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  files?: string[];
  bin?: string | Record<string, string>;
  exports?: unknown;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

/** A workspace package: its folder and its manifest. */
export interface WorkspacePackage {
  /** Absolute folder of the package. */
  dir: string;
  manifest: PackageManifest;
}

/** Reads and parses `dir/package.json`; throws a clear Error when it is missing or not JSON. */
export function readManifest(dir: string): PackageManifest {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) throw new Error(`No package.json in ${dir}: every workspace package folder needs one.`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PackageManifest;
  } catch (error) {
    throw new Error(`${file} is not valid JSON (${(error as Error).message}); fix the file.`);
  }
}

/**
 * The published (non-private) packages under `root/packages/*`, sorted by name. These are the
 * packages that changesets versions and `pnpm release` publishes.
 */
export function publishedPackages(root: string): WorkspacePackage[] {
  const base = join(root, 'packages');
  return readdirSync(base, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(base, entry.name, 'package.json')))
    .map((entry) => ({ dir: join(base, entry.name), manifest: readManifest(join(base, entry.name)) }))
    .filter((pkg) => pkg.manifest.private !== true)
    .sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/** The names of the `bin` commands a manifest declares, mapped to their files. */
export function binEntries(manifest: PackageManifest): Record<string, string> {
  if (manifest.bin === undefined) return {};
  if (typeof manifest.bin === 'string') return { [manifest.name.split('/').pop() ?? manifest.name]: manifest.bin };
  return manifest.bin;
}
