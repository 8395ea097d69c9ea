/**
 * Thrown by a training step whose loss (or gradient norm) is NaN or infinite. The step is
 * rejected: no weight, optimiser moment or state buffer changed, and the training loop writes no
 * checkpoint after it, so the last checkpoint on disk is the last good state.
 */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';

  /**
   * @param quantity what was not finite.
   * @param value the offending value (NaN, Infinity or -Infinity).
   * @param epoch 0-based epoch of the step.
   * @param step 0-based index of the step in the run (steps completed before it).
   */
  constructor(
    readonly quantity: 'loss' | 'gradient norm',
    readonly value: number,
    readonly epoch: number,
    readonly step: number,
    readonly learningRate: number,
  ) {
    super(
      `Training diverged: the ${quantity} is ${value} at epoch ${epoch}, step ${step} (learning rate ${learningRate}). ` +
        'The step was not applied. Lower the learning rate (or lengthen the warm-up), enable gradient clipping ' +
        '(clipNorm, e.g. 1), check the input data for NaN/Inf, then resume from the last checkpoint.',
    );
  }
}
