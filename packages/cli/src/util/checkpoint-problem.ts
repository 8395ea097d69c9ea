import { UNUSABLE_CHECKPOINT_ADVICE, type CheckpointError, type CheckpointErrorKind } from '@ait/core';

/** Kinds of {@link CheckpointError} that mean the file itself is damaged or unreadable (an older checkpoint may still do). */
export const DAMAGED_CHECKPOINT_KINDS: ReadonlySet<CheckpointErrorKind> = new Set<CheckpointErrorKind>([
  'missing',
  'read-failed',
  'bad-magic',
  'unsupported-version',
  'truncated',
  'trailing-bytes',
  'checksum',
  'bad-header',
  'bad-tensor-index',
  'invalid-contents',
]);

/**
 * What is wrong with a checkpoint, in words, without the file name and without @ait/core's
 * library-level advice (which names functions rather than commands): e.g. `its SHA-256 checksum
 * does not match its contents, so bytes were changed or lost after it was written`.
 */
export function checkpointProblem(err: CheckpointError): string {
  let text = err.message.replace(UNUSABLE_CHECKPOINT_ADVICE, '').trim();
  const prefix = `Cannot use checkpoint ${err.path ?? ''}: `;
  if (err.path !== undefined && text.startsWith(prefix)) text = text.slice(prefix.length);
  return text.replace(/\.$/, '');
}
