import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the built site (`vitepress build` writes it; the package's `build` script runs that). */
export const DIST_DIR = fileURLToPath(new URL('../../dist', import.meta.url));

/** The packages whose API reference the site must contain, with one export each page must list. */
export const API_PACKAGES: ReadonlyArray<{ name: string; symbol: string }> = [
  { name: 'core', symbol: 'initBackend' },
  { name: 'hopfield', symbol: 'retrieve' },
  { name: 'datasets', symbol: 'loadMnist' },
  { name: 'vision', symbol: 'createModel' },
  { name: 'cli', symbol: 'runCli' },
];

/** Throws an Error that says how to build the site when `dist/` is missing. */
export function requireBuiltSite(): void {
  if (!existsSync(join(DIST_DIR, 'index.html'))) {
    throw new Error(
      `The docs site is not built (${DIST_DIR}/index.html is missing). Build it first: ` +
        '`npx --yes pnpm@10.34.9 turbo run build --filter=@ait/docs` from the repository root (turbo runs the docs test after the build).',
    );
  }
}

/** Every file under `dir`, as paths relative to it with forward slashes. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out;
}

/**
 * Maps a URL path of the site (`/guide/getting-started.html`, `/api/`) to the file that serves it,
 * or `null` when no file does. Tries the path itself, `<path>.html` and `<path>/index.html`.
 */
export function resolveSitePath(urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const clean = decoded.replace(/^\/+/, '');
  if (clean.split('/').includes('..')) return null;
  const candidates = [clean, `${clean.replace(/\/$/, '')}.html`, join(clean, 'index.html')];
  for (const c of candidates) {
    const p = join(DIST_DIR, c);
    if (c !== '' && existsSync(p) && statSync(p).isFile()) return p;
  }
  return null;
}
