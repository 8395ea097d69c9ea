import { link, mkdir, readFile, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CliError } from './cli-error';
import { RUN_FILES } from './run-config';

/** What the lock file of a run directory says about the process that holds it. */
export interface RunLockHolder {
  readonly pid: number;
  readonly host: string;
  /** ISO-8601 time the lock was taken. */
  readonly started: string;
}

/** A held lock on a run directory; {@link RunLock.release} gives it back. */
export interface RunLock {
  /** The lock file. */
  readonly path: string;
  /**
   * When this process took the lock over from a process that no longer runs: a sentence saying
   * from whom (for a warning); otherwise `undefined`.
   */
  readonly takeover: string | undefined;
  /** Deletes the lock file if it is still this process's; safe to call twice. */
  release(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function parseHolder(text: string): RunLockHolder | undefined {
  try {
    const v = JSON.parse(text) as Partial<RunLockHolder> | null;
    if (v && Number.isSafeInteger(v.pid) && typeof v.host === 'string' && typeof v.started === 'string') return v as RunLockHolder;
  } catch {
    // not (yet) JSON
  }
  return undefined;
}

async function readHolder(path: string): Promise<RunLockHolder | undefined | 'gone'> {
  try {
    return parseHolder(await readFile(path, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
}

/** Whether process `pid` runs on this machine (signal 0; EPERM means it runs as another user). */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates `path` holding `text` only if it does not exist, never visible half-written (hard link of a complete file). */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  await writeFile(temp, text, 'utf8');
  try {
    await link(temp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw err;
    // file systems without hard links: exclusive create (a reader may briefly see it empty)
    try {
      await writeFile(path, text, { encoding: 'utf8', flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}

/** Runs `action` while holding a short-lived mutex directory beside the lock (for taking over stale locks). */
async function withTakeoverMutex<T>(lockPath: string, action: () => Promise<T>): Promise<T | undefined> {
  const mutex = `${lockPath}.takeover`;
  try {
    await mkdir(mutex);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // another process takes over right now; a mutex older than 10 s was left by a killed one
    const age = await stat(mutex).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > 10_000) await rmdir(mutex).catch(() => undefined);
    return undefined;
  }
  try {
    return await action();
  } finally {
    await rmdir(mutex).catch(() => undefined);
  }
}

/** The holder of a run lock in words: `process 123 (since <time>)`, with ` on <host>` when it is another machine. */
export function describeRunLockHolder(holder: RunLockHolder): string {
  return `process ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''} (since ${holder.started})`;
}

/** Whether a lock's holder may still train: a process that runs on this machine, or any process on another host (which cannot be checked). */
function holderIsLive(holder: RunLockHolder): boolean {
  return holder.host !== hostname() || processRuns(holder.pid);
}

/**
 * Who trains run folder `dir` now: the holder of its lock file when that process runs on this
 * machine, or when the lock is from another host (which cannot be checked, so it counts as held).
 * `undefined` when the folder holds no lock, an unreadable one or the lock of a process that no
 * longer runs (which `ait train` takes over).
 */
export async function activeRunLockHolder(dir: string): Promise<RunLockHolder | undefined> {
  const holder = await readHolder(join(dir, RUN_FILES.lock));
  if (holder === 'gone' || holder === undefined) return undefined;
  return holderIsLive(holder) ? holder : undefined;
}

/**
 * Takes the lock of a run directory: a file `train.lock` holding this process's pid, host and
 * start time, created atomically, so two `ait train` processes never train one run folder at once.
 *
 * - A lock held by a process that runs (on this machine, this process included) throws a
 *   {@link CliError} (exit 2) naming the folder and the pid holding it.
 * - A lock of a process that no longer runs (a killed `ait train`) is taken over; the returned
 *   lock's `takenOverFrom` says from whom, so the caller can say so.
 * - A lock from another host cannot be checked and counts as held; the message says how to remove
 *   it when that process is gone.
 */
export async function acquireRunLock(dir: string): Promise<RunLock> {
  const path = join(dir, RUN_FILES.lock);
  const me: RunLockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  const text = `${JSON.stringify(me)}\n`;
  let takeover: string | undefined;
  for (let attempt = 0; ; attempt++) {
    if (await createExclusive(path, text)) break;
    const holder = await readHolder(path);
    if (holder === 'gone') continue;
    if (holder === undefined) {
      // being written by a file system without hard links, or left empty by a killed process
      const age = await stat(path).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age < 5_000 && attempt < 100) {
        await sleep(50);
        continue;
      }
    } else if (holderIsLive(holder)) {
      throw new CliError(
        `Run folder ${dir} is in use: ${describeRunLockHolder(holder)} is training it (lock file ${path}). Two processes must not ` +
          `train one run folder; wait for process ${holder.pid} to finish, stop it, or train into another --out.` +
          (holder.host !== me.host ? ` If process ${holder.pid} no longer runs on ${holder.host}, delete ${path}.` : ''),
        2,
      );
    }
    const stale = holder;
    const done = await withTakeoverMutex(path, async () => {
      // only remove the lock if it is still the stale one we saw
      const now = await readHolder(path);
      if (now !== 'gone' && JSON.stringify(now) !== JSON.stringify(stale)) return false;
      await unlink(path).catch(() => undefined);
      return true;
    });
    if (done === true) {
      takeover =
        stale !== undefined
          ? `Took over the lock of run folder ${dir} from ${describeRunLockHolder(stale)}, which no longer runs (an \`ait train\` that was killed).`
          : `Took over the lock of run folder ${dir}: its lock file ${path} was empty or unreadable (left by a killed process).`;
    }
    if (done === undefined) await sleep(20);
    if (attempt > 200)
      throw new CliError(`Could not take the lock of run folder ${dir} (${path}); delete it if no \`ait train\` runs on this folder.`, 1);
  }
  let released = false;
  return {
    path,
    takeover,
    async release() {
      if (released) return;
      released = true;
      const holder = await readHolder(path).catch(() => undefined);
      if (holder !== 'gone' && holder?.pid === me.pid && holder.started === me.started) await unlink(path).catch(() => undefined);
    },
  };
}
