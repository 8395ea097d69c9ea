import { CheckpointError } from './checkpoint-error';

/**
 * The error of a checkpoint save that failed at `stage` (what it was doing, e.g. `rename the
 * temporary file over the target`) with `err`: it says that the previous checkpoint at `path` is
 * unchanged, and `fix` what to do before saving again. Internal to the checkpoint stores.
 */
export function checkpointWriteFailed(path: string, stage: string, err: unknown, fix: string): CheckpointError {
  return new CheckpointError(
    'write-failed',
    path,
    `Could not save checkpoint ${path}: failed to ${stage} (${(err as Error).message}). ` +
      `The previous checkpoint at this path, if any, is unchanged. ${fix}`,
    { cause: err },
  );
}
