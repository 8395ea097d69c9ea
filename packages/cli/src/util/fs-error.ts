/** A Node file-system error: `code` (`ENOSPC`, ...), and usually `syscall` and `path`. */
export type FsError = NodeJS.ErrnoException & { code: string };

/** Whether `err` is a Node file-system error with an error code. */
export function isFsError(err: unknown): err is FsError {
  return (
    err instanceof Error &&
    typeof (err as NodeJS.ErrnoException).code === 'string' &&
    /^E[A-Z]+$/.test((err as NodeJS.ErrnoException).code as string)
  );
}

const REASONS: Readonly<Record<string, readonly [what: string, fix: string]>> = {
  EROFS: ['the file system is read-only', 'choose a folder on a writable disk (e.g. under your home folder)'],
  EACCES: ['permission denied', 'choose a folder you can write to, or change its permissions'],
  EPERM: ['the operation is not permitted', 'choose a folder you can write to, or change its permissions'],
  ENOSPC: ['the disk is full', 'free some space (or choose a folder on another disk)'],
  EDQUOT: ['the disk quota is exhausted', 'free some space (or choose a folder on another disk)'],
  ENOTDIR: ['a part of the path is a file, not a folder', 'check the path'],
  EISDIR: ['it is a folder, not a file', 'check the path'],
  ENOENT: ['it or a folder on its path does not exist', 'check the path'],
  EEXIST: ['something already exists there', 'choose another path'],
  EMFILE: ['too many files are open', 'close other programs or raise the open-file limit (ulimit -n)'],
  ENAMETOOLONG: ['the path is too long', 'choose a shorter path'],
  EIO: ['the disk reported an input/output error', 'check the disk'],
};

/**
 * One line for a file-system error, naming the path, what went wrong in words (with the code) and
 * what to do, e.g. `cannot write /runs/a/run.json: the disk is full (ENOSPC); free some space (or
 * choose a folder on another disk).` Codes without a known wording keep Node's message.
 */
export function describeFsError(err: FsError, path: string | undefined = err.path): string {
  const action =
    err.syscall === 'mkdir'
      ? 'create'
      : err.syscall === 'open' || err.syscall === 'write' || err.syscall === 'rename' || err.syscall === 'link'
        ? 'write'
        : err.syscall === 'read' || err.syscall === 'scandir'
          ? 'read'
          : 'use';
  const reason = REASONS[err.code];
  const where = path ?? '(unknown path)';
  return reason ? `cannot ${action} ${where}: ${reason[0]} (${err.code}); ${reason[1]}.` : `cannot ${action} ${where}: ${err.message}.`;
}
