/**
 * Checks, before an epoch starts, that a source announcing `announced` batches per epoch can
 * continue a run positioned after batch `skip` of `epoch` (a resume in the middle of an epoch).
 * Throws naming the mismatch and the fix.
 */
export function checkEpochResumable(announced: number | undefined, skip: number, epoch: number): void {
  if (announced !== undefined && skip > announced) {
    throw new Error(
      `Trainer.fit: the position is batch ${skip} of epoch ${epoch}, but the source has only ${announced} ` +
        'batches per epoch; resume with the data and batch size the checkpoint was trained with.',
    );
  }
}

/**
 * Checks, after an epoch, that the source yielded at least one batch and at least the `skip`
 * batches a resumed checkpoint had already trained on. Throws naming the problem and the fix.
 */
export function checkEpochBatchCount(yielded: number, skip: number, epoch: number): void {
  if (yielded === 0) {
    throw new Error(`Trainer.fit: the source yielded no batches in epoch ${epoch}; check its data and batch size.`);
  }
  if (yielded < skip) {
    throw new Error(
      `Trainer.fit: the source yielded ${yielded} batches in epoch ${epoch}, fewer than the ${skip} the ` +
        'checkpoint had already trained on; resume with the same data and batch size.',
    );
  }
}
