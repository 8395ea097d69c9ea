import * as tf from '@tensorflow/tfjs-core';
import { assertMinRank, formatShape } from '@ait/core';

/** Smallest row norm {@link rowNormalize} divides by (guards all-zero rows; the reference has no guard). */
export const ROW_NORM_FLOOR = 1e-12;

/**
 * Scales every row (last axis) to unit L2 norm: `x / ||x||`. Shapes: `[..., dim] -> [..., dim]`.
 */
export function rowNormalize(x: tf.Tensor): tf.Tensor {
  assertMinRank('rowNormalize', 'x', x, 1, '[..., dim]');
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', -1, true), ROW_NORM_FLOOR)));
}

/**
 * AiT's memory update: `rowNormalize(momentum * priors + (1 - momentum) * written)`, the
 * exponential moving average of the priors towards what the bottleneck wrote, each slot then
 * scaled to unit L2 norm (reference momentum 0.9).
 *
 * @param priors `[slots, memoryDim]`
 * @param written `[slots, memoryDim]`, or `[batch, slots, memoryDim]` for one update per example
 * @returns the shape of `written`
 */
export function emaMemoryUpdate(priors: tf.Tensor, written: tf.Tensor, momentum = 0.9): tf.Tensor {
  const where = 'emaMemoryUpdate';
  assertMinRank(where, 'priors', priors, 2, '[slots, memoryDim]');
  if (priors.rank !== 2 || (written.rank !== 2 && written.rank !== 3) || !tf.util.arraysEqual(written.shape.slice(-2), priors.shape)) {
    throw new Error(
      `${where}: priors must be [slots, memoryDim] and written [slots, memoryDim] or [batch, slots, memoryDim] with the ` +
        `same slots and width; got priors ${formatShape(priors.shape)} and written ${formatShape(written.shape)}.`,
    );
  }
  if (!(momentum >= 0 && momentum < 1)) {
    throw new Error(`${where}: momentum must be in [0, 1), got ${momentum}.`);
  }
  return tf.tidy(() => rowNormalize(tf.add(tf.mul(priors, momentum), tf.mul(written, 1 - momentum))));
}
