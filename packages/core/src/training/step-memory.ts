import * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { globalRng } from '../random/seeded-random';
import type { Batch } from './batch-source';
import { createForwardContext, discardStateUpdates, runWithForwardContext } from './forward-context';
import { releaseAbandonedTape } from './abandoned-tape';
import type { LossFn } from './train-step';
import { applyModel, releaseAuxLosses, sumAuxLosses } from './train-step';

/** What one training step of a model needs in tensor memory, as {@link estimateStepMemory} measured it. */
export interface StepMemoryEstimate {
  /** Bytes the step needs per example of the batch (activations and their gradients). */
  readonly bytesPerExample: number;
  /** Bytes the step needs whatever the batch size (gradients of the weights, ...). */
  readonly fixedBytes: number;
  /** The estimate for a batch of `n` examples: `fixedBytes + n * bytesPerExample`. */
  bytesFor(n: number): number;
}

/** Peak tensor bytes above the start of one forward and backward pass on `batch`, nothing kept. */
async function stepPeakBytes(model: layers.Layer, batch: Batch, loss: LossFn): Promise<number> {
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const start = tf.memory().numBytes;
  const info = await tf.profile(() => {
    const ctx = createForwardContext(true);
    try {
      const { value, grads } = tf.variableGrads(
        () =>
          runWithForwardContext(ctx, () => {
            const output = applyModel(model, batch.x, true);
            return tf.add(loss(output, batch.y), sumAuxLosses(ctx)) as tf.Scalar;
          }),
        vars,
      );
      tf.dispose([value, ...Object.values(grads)]);
    } catch (err) {
      releaseAbandonedTape();
      throw err;
    } finally {
      discardStateUpdates(ctx);
      releaseAuxLosses(ctx);
    }
  });
  return Math.max(0, info.peakBytes - start);
}

/**
 * Estimates the tensor memory of one training step (forward and backward pass) of `model` by
 * running it, nothing applied, on batches of 1 and 2 examples made by `batchOf` (which may be
 * async; the estimate frees them) and measuring the
 * peak with `tf.profile`: memory grows linearly with the batch, so two sizes give the per-example
 * and the fixed part. Scratch memory that backends allocate outside tensors is not counted, so
 * leave some room. The model's weights, optimiser state and random streams are not changed; state
 * updates of the passes are discarded.
 */
export async function estimateStepMemory(
  model: layers.Layer,
  batchOf: (n: number) => Batch | Promise<Batch>,
  loss: LossFn,
): Promise<StepMemoryEstimate> {
  const measure = async (n: number): Promise<number> => {
    const batch = await batchOf(n);
    try {
      return await stepPeakBytes(model, batch, loss);
    } finally {
      tf.dispose([...(Array.isArray(batch.x) ? batch.x : [batch.x]), batch.y]);
    }
  };
  // dropout draws from the global stream: measure without moving it
  const rngState = globalRng().getState();
  let one: number;
  let two: number;
  try {
    one = await measure(1);
    two = await measure(2);
  } finally {
    globalRng().setState(rngState);
  }
  const bytesPerExample = Math.max(0, two - one);
  const fixedBytes = Math.max(0, one - bytesPerExample);
  return { bytesPerExample, fixedBytes, bytesFor: (n: number) => fixedBytes + n * bytesPerExample };
}
