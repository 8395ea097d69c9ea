/**
 * What went wrong with a checkpoint, for callers that react differently (e.g. a CLI that falls
 * back to an earlier checkpoint when the latest one is `truncated` or `checksum`).
 */
export type CheckpointErrorKind =
  | 'missing'
  | 'read-failed'
  | 'bad-magic'
  | 'unsupported-version'
  | 'truncated'
  | 'trailing-bytes'
  | 'checksum'
  | 'bad-header'
  | 'bad-tensor-index'
  | 'write-failed'
  | 'invalid-contents'
  | 'mismatch';

/**
 * Thrown for every checkpoint problem: a missing, unreadable or corrupt file, a failed write, or a
 * checkpoint that does not fit the model / optimiser it is restored into. The message names the
 * file (when there is one), what is wrong and what to do about it.
 */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';

  /**
   * @param kind machine-readable category of the problem.
   * @param path the checkpoint file concerned, or `undefined` for in-memory contents.
   * @param message full human-readable message (already names the file and the fix).
   */
  constructor(
    readonly kind: CheckpointErrorKind,
    readonly path: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The advice appended to messages about a checkpoint file that cannot be used. */
export const UNUSABLE_CHECKPOINT_ADVICE =
  'Resume from an earlier checkpoint (listCheckpoints(dir) lists them, newest last) or start training fresh.';
