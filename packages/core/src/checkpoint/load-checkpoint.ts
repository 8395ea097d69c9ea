import { runtimePlatform } from '../platform/runtime-platform';
import type { LoadedCheckpoint } from './checkpoint-contents';
import { decodeCheckpoint } from './decode-checkpoint';

/**
 * Reads and verifies a checkpoint written by `saveCheckpoint` (a file under Node, an IndexedDB
 * record in a browser). The returned tensors belong to the caller: dispose them with
 * `disposeCheckpoint` (after `restoreCheckpoint`, say).
 *
 * Throws a {@link CheckpointError} naming the checkpoint, the problem and the fix when it is
 * missing or unreadable, is not a checkpoint (bad magic), has an unsupported version, is
 * truncated, has trailing bytes, fails its SHA-256 check, or has a malformed header or tensor
 * index.
 */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  const bytes = await runtimePlatform().checkpoints.read(path);
  return decodeCheckpoint(bytes, path);
}
