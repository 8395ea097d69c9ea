import { readFile } from 'node:fs/promises';
import { CheckpointError, UNUSABLE_CHECKPOINT_ADVICE } from './checkpoint-error';
import type { LoadedCheckpoint } from './checkpoint-contents';
import { decodeCheckpoint } from './checkpoint-format';

/**
 * Reads and verifies a checkpoint file written by `saveCheckpoint`. The returned tensors belong
 * to the caller: dispose them with `disposeCheckpoint` (after `restoreCheckpoint`, say).
 *
 * Throws a {@link CheckpointError} naming the file, the problem and the fix when the file is
 * missing or unreadable, is not a checkpoint (bad magic), has an unsupported version, is
 * truncated, has trailing bytes, fails its SHA-256 check, or has a malformed header or tensor
 * index.
 */
export async function loadCheckpoint(path: string): Promise<LoadedCheckpoint> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
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
      `Could not read checkpoint ${path} (${(err as Error).message}). Check that it is a readable file. ` +
        UNUSABLE_CHECKPOINT_ADVICE,
      { cause: err },
    );
  }
  return decodeCheckpoint(bytes, path);
}
