import { runtimePlatform } from '../platform/runtime-platform';
import type { CheckpointContents } from './checkpoint-contents';
import { encodeCheckpoint } from './encode-checkpoint';
import type { CheckpointStoreWriteOptions } from './checkpoint-store';

/** Options of {@link saveCheckpoint}. */
export interface SaveCheckpointOptions extends CheckpointStoreWriteOptions {
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

/**
 * Writes `contents` to `path` atomically, in the runtime's checkpoint store: under Node a file
 * (the bytes go to a temporary file in the same directory, created if needed, which is fsynced
 * and renamed over `path`), in a browser a record of IndexedDB keyed by `path` (one transaction).
 * A crash or error at any point leaves the previous checkpoint at `path` (if any) untouched, so
 * the latest good checkpoint is never lost. The bytes are the same on both (see
 * `encodeCheckpoint`). Does not dispose the contents' tensors.
 *
 * Throws a {@link CheckpointError}: `invalid-contents` if the contents cannot be encoded (nothing
 * is written then), `write-failed` if the storage refuses.
 */
export async function saveCheckpoint(
  path: string,
  contents: CheckpointContents,
  options: SaveCheckpointOptions = {},
): Promise<SavedCheckpoint> {
  const bytes = await encodeCheckpoint(contents, options.createdAt);
  await runtimePlatform().checkpoints.write(path, bytes, options.write ? { write: options.write } : {});
  return { path, bytes: bytes.byteLength };
}
