import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointError, UNUSABLE_CHECKPOINT_ADVICE } from './checkpoint-error';
import type { CheckpointStore, CheckpointStoreWriteOptions } from './checkpoint-store';
import { checkpointWriteFailed } from './checkpoint-write-failed';

/** Name prefix of the temporary files the file store writes next to a checkpoint. */
export const CHECKPOINT_TEMP_PREFIX = '.tmp-';

async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Some platforms (Windows) cannot fsync a directory; the rename is still atomic there.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * Writes `bytes` to `path` atomically: they go to a temporary file in the same directory
 * (created if needed), which is fsynced and then renamed over `path`. A crash or error at any
 * point leaves the previous file at `path` (if any) untouched and removes the temporary file.
 */
async function writeAtomically(path: string, bytes: Uint8Array, options: CheckpointStoreWriteOptions): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `${CHECKPOINT_TEMP_PREFIX}${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}`);
  let handle: FileHandle | undefined;
  let stage = 'create the directory';
  try {
    await mkdir(dir, { recursive: true });
    stage = 'create the temporary file';
    handle = await open(temp, 'wx', 0o644);
    stage = 'write the temporary file';
    if (options.write) await options.write(handle, bytes);
    else await handle.writeFile(bytes);
    stage = 'flush the temporary file to disk';
    await handle.sync();
    await handle.close();
    handle = undefined;
    stage = 'rename the temporary file over the target';
    await rename(temp, path);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw checkpointWriteFailed(path, stage, err, 'Check free disk space and write permissions of the directory, then save again.');
  }
  await syncDirectory(dir);
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT') {
      throw new CheckpointError(
        'missing',
        path,
        `Checkpoint file ${path} does not exist. Check the path (listCheckpoints(dir) lists the checkpoints of a ` +
          'run directory), or start training fresh without resuming.',
        { cause: err },
      );
    }
    throw new CheckpointError(
      'read-failed',
      path,
      `Could not read checkpoint ${path} (${(err as Error).message}). Check that it is a readable file. ` + UNUSABLE_CHECKPOINT_ADVICE,
      { cause: err },
    );
  }
}

async function listNames(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return [];
    throw new CheckpointError(
      'read-failed',
      dir,
      `Could not list checkpoint directory ${dir} (${(err as Error).message}); check that it is a readable directory.`,
      { cause: err },
    );
  }
}

/** Whether the process `pid` runs on this machine (a signal-0 probe; EPERM means it runs as another user). */
function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

/**
 * Deletes the temporary files in `dir` of writers that no longer run (a save killed between
 * creating its temporary file and the rename leaves one, up to a whole checkpoint in size).
 * A file of a running process, this one included, is kept: it may be a save in progress.
 */
async function removeStaleTemporaries(dir: string): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await listNames(dir)) {
    if (!name.startsWith(CHECKPOINT_TEMP_PREFIX)) continue;
    const pid = Number(/\.(\d+)\.[0-9a-f]+$/.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || processRuns(pid)) continue;
    const path = join(dir, name);
    await unlink(path).then(
      () => void removed.push(path),
      () => undefined,
    );
  }
  return removed;
}

/**
 * The checkpoint store of the Node entry: checkpoint files on the file system, written
 * atomically (temporary file, fsync, rename) so that an interrupted save never loses the
 * previous checkpoint.
 */
export const fileCheckpointStore: CheckpointStore = {
  description: 'file system',
  write: (path, bytes, options = {}) => writeAtomically(path, bytes, options),
  read: readBytes,
  list: listNames,
  remove: (path) => unlink(path).catch(() => undefined),
  removeStale: removeStaleTemporaries,
};
