/** Up to four significant digits, `1.234e+12` style for very large or small values. */
function formatLoss(value: number): string {
  const abs = Math.abs(value);
  return abs !== 0 && (abs >= 1e4 || abs < 1e-3) ? value.toExponential(3) : String(Number(value.toPrecision(4)));
}

/**
 * Thrown by `Trainer.fit` when a step's loss is finite but far above its running level (see
 * `TrainerOptions.explosion`): the run is diverging before the loss reaches NaN/Inf. The step is
 * rejected (no weight, optimiser moment or state buffer changed) and no checkpoint is written after
 * it. Checkpoints written while the loss was already rising may hold exploded weights; the error
 * names the newest checkpoint from before the rise began (`lastGoodCheckpoint`), the one to resume
 * from with a lower learning rate or gradient clipping.
 */
export class LossExplosionError extends Error {
  override readonly name = 'LossExplosionError';

  /**
   * @param loss the step's (finite) loss.
   * @param level the running level it was compared with: the larger of the first watched step's
   *   loss and the median of the recent step losses.
   * @param factor the step was rejected because `loss > factor * level`.
   * @param epoch 0-based epoch of the step.
   * @param step 0-based index of the step in the run (steps completed before it).
   * @param learningRate the learning rate of the step.
   * @param risingSince 0-based step from which every loss was more than `sqrt(factor)` times the
   *   level (the step itself when the loss jumped at once).
   * @param lastGoodCheckpoint the newest checkpoint written at or before `risingSince`, or
   *   `undefined` when none was.
   */
  constructor(
    readonly loss: number,
    readonly level: number,
    readonly factor: number,
    readonly epoch: number,
    readonly step: number,
    readonly learningRate: number,
    readonly risingSince: number,
    readonly lastGoodCheckpoint: string | undefined,
  ) {
    super(
      `Training diverged: the loss exploded to ${formatLoss(loss)} at epoch ${epoch}, step ${step} (learning rate ${Number(learningRate.toPrecision(4))}), ` +
        `more than ${factor} times its running level ${formatLoss(level)}` +
        `${risingSince < step ? ` (it has been rising since step ${risingSince})` : ''}. ` +
        'The step was not applied and no checkpoint was written after it. ' +
        (lastGoodCheckpoint !== undefined
          ? `The last checkpoint from before the rise is ${lastGoodCheckpoint}. `
          : 'No checkpoint was written before the rise began. ') +
        'Lower the learning rate (or lengthen the warm-up) or enable gradient clipping (clipNorm, e.g. 1), then ' +
        (lastGoodCheckpoint !== undefined ? 'resume from that checkpoint.' : 'train again from the start.'),
    );
  }
}
