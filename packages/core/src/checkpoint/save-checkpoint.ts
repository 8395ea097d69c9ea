import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointError } from './checkpoint-error';
import type { CheckpointContents } from './checkpoint-contents';
import { encodeCheckpoint } from './checkpoint-format';

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions {
  /**
   * Writes the encoded bytes into the open temporary file; default `file.writeFile(bytes)`.
   * Meant for tests that simulate a failure (e.g. a full disk) in the middle of a write.
   */
  write?: (file: FileHandle, bytes: Uint8Array) => Promise<void>;
  /** Time stamp recorded in the header; default now. */
  createdAt?: Date;
}

/** What {@link saveCheckpoint} wrote. */
export interface SavedCheckpoint {
  /** The checkpoint's final path. */
  readonly path: string;
  /** Its size in bytes. */
  readonly bytes: number;
}

/** Name prefix of the temporary files {@link saveCheckpoint} writes next to the target. */
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
 * Writes `contents` to `path` atomically: the bytes go to a temporary file in the same directory
 * (created if needed), which is fsynced and then renamed over `path`. A crash or error at any
 * point leaves the previous file at `path` (if any) untouched and removes the temporary file, so
 * the latest good checkpoint is never lost. Does not dispose the contents' tensors.
 *
 * Throws a {@link CheckpointError}: `invalid-contents` if the contents cannot be encoded (nothing
 * is written then), `write-failed` if the file system refuses.
 */
export async function saveCheckpoint(
  path: string,
  contents: CheckpointContents,
  options: SaveCheckpointOptions = {},
): Promise<SavedCheckpoint> {
  const bytes = await encodeCheckpoint(contents, options.createdAt);
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
    throw new CheckpointError(
      'write-failed',
      path,
      `Could not save checkpoint ${path}: failed to ${stage} (${(err as Error).message}). ` +
        'The previous checkpoint at this path, if any, is unchanged. Check free disk space and write ' +
        'permissions of the directory, then save again.',
      { cause: err },
    );
  }
  await syncDirectory(dir);
  return { path, bytes: bytes.byteLength };
}
