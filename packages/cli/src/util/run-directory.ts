import { constants, type Stats } from 'node:fs';
import { access, mkdir, rmdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { CliError } from './cli-error';
import { describeFsError, isFsError } from './fs-error';

/** A run directory that {@link prepareRunDirectory} made sure exists and is writable. */
export interface PreparedRunDirectory {
  readonly dir: string;
  /** The outermost folder this call created, if it created any (for {@link removeIfEmpty}). */
  readonly created: string | undefined;
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') return undefined; // a file on the path; found when the walk reaches it
    throw err;
  }
}

/**
 * Makes sure the run directory `dir` exists and can be written, before any work starts, and
 * explains every problem in one line that names `what` (`--out`, `--resume`, the config key),
 * the path, what is wrong and what to do (exit code 2): `dir` is a file; a folder on its path is a
 * file; the nearest existing folder is on a read-only file system or not writable. (Node's own
 * recursive mkdir reports a read-only file system as ENOENT and the others as raw codes.)
 */
export async function prepareRunDirectory(dir: string, what: string): Promise<PreparedRunDirectory> {
  // the nearest part of the path that exists
  let existing = dir;
  let info = await statOrUndefined(existing);
  while (info === undefined && dirname(existing) !== existing) {
    existing = dirname(existing);
    info = await statOrUndefined(existing);
  }
  if (info && !info.isDirectory()) {
    throw new CliError(
      existing === dir
        ? `${what} ${dir} is a file, not a folder; give a folder for the run (a new or empty one).`
        : `${what} ${dir} cannot be created: ${existing} is a file, not a folder. Choose another path.`,
      2,
    );
  }
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EROFS'
        ? `${existing} is on a read-only file system. Choose a folder on a writable disk (e.g. under your home folder).`
        : code === 'EACCES' || code === 'EPERM'
          ? `you have no write permission in ${existing}. Choose a folder you can write to, or change its permissions.`
          : `${existing}: ${(err as Error).message}.`;
    throw new CliError(`${what} ${dir} ${existing === dir ? 'cannot be written' : 'cannot be created'}: ${why}`, 2, { cause: err });
  }
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true });
  } catch (err) {
    if (isFsError(err)) throw new CliError(`${what} ${dir}: ${describeFsError(err, err.path ?? dir)}`, 2, { cause: err });
    throw err;
  }
  return { dir, created };
}

/**
 * Removes the folders {@link prepareRunDirectory} created if they are still empty (a run that
 * failed before writing anything leaves no trace).
 */
export async function removeIfEmpty(prepared: PreparedRunDirectory): Promise<void> {
  if (prepared.created === undefined) return;
  let path = prepared.dir;
  for (;;) {
    try {
      await rmdir(path);
    } catch {
      return; // not empty (or gone): keep it
    }
    if (path === prepared.created || dirname(path) === path) return;
    path = dirname(path);
  }
}
