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
