import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Whether `err` says that the package `pkg` is not installed (rather than failing to load). */
export function isModuleNotFound(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  return (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && typeof e.message === 'string' && e.message.includes(pkg);
}

/**
 * Imports an optional package from the application's point of view (the current working
 * directory) first, so that a package installed by the user is found even though it is not a
 * dependency of @ait/core (tfjs-node, webgpu), then from @ait/core's own location.
 */
export async function importOptional(pkg: string): Promise<unknown> {
  const fromCwd = createRequire(join(process.cwd(), 'noop.js'));
  let resolved: string | undefined;
  try {
    resolved = fromCwd.resolve(pkg);
  } catch {
    resolved = undefined;
  }
  return resolved ? import(pathToFileURL(resolved).href) : import(/* @vite-ignore */ pkg);
}

/**
 * The file an optional package's main entry resolves to, looked up as {@link importOptional} does
 * (the application's folder, then @ait/core's own location), or undefined when neither finds it.
 */
export function resolveOptional(pkg: string): string | undefined {
  // Works from the ESM sources and from the CommonJS build alike.
  const own = typeof __filename === 'string' ? __filename : import.meta.url;
  for (const base of [join(process.cwd(), 'noop.js'), own]) {
    try {
      return createRequire(base).resolve(pkg);
    } catch {
      // not found from here: try the next place
    }
  }
  return undefined;
}
