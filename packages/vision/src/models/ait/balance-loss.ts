import * as tf from '@tensorflow/tfjs-core';
import { assertMinRank, formatShape } from '@ait/core';

/** Added to `mean^2` in {@link cvSquared}, as the reference code does. */
export const CV_SQUARED_EPSILON = 1e-10;

/**
 * Squared coefficient of variation along the last axis: `var(x) / (mean(x)^2 + 1e-10)` with the
 * unbiased variance (divides by `n - 1`), as the AiT reference code's `cv_squared`. A last axis of
 * length 1 gives 0. Shapes: `[..., n] -> [...]`. Differentiable.
 */
export function cvSquared(x: tf.Tensor): tf.Tensor {
  assertMinRank('cvSquared', 'x', x, 1, '[..., n]');
  const n = x.shape[x.rank - 1] as number;
  return tf.tidy(() => {
    if (n <= 1) return tf.zeros(x.shape.slice(0, -1));
    const mean = tf.mean(x, -1, true);
    const variance = tf.div(tf.sum(tf.square(tf.sub(x, mean)), -1), n - 1);
    return tf.div(variance, tf.add(tf.square(tf.squeeze(mean, [-1])), CV_SQUARED_EPSILON));
  });
}

/**
 * AiT's load-balancing loss of the bottleneck write:
 * `coefficient * sum_heads (cv2(importance) + cv2(load))`, where, per head, `importance[t]` is the
 * total gate weight token `t` receives from all slots and `load[t]` the number of slots that kept
 * it among their top k. A leading batch axis (per-sample competition) is averaged.
 *
 * @param weights top-k softmax weights `[heads, slots, tokens]` or `[batch, heads, slots, tokens]` (differentiable)
 * @param selection 0/1 mask of the kept entries, same shape (no gradient)
 * @param coefficient reference 0.01
 * @returns scalar `[]`
 */
export function balanceLoss(weights: tf.Tensor, selection: tf.Tensor, coefficient = 0.01): tf.Scalar {
  const where = 'balanceLoss';
  if (weights.rank !== 3 && weights.rank !== 4) {
    throw new Error(
      `${where}: weights must have shape [heads, slots, tokens] or [batch, heads, slots, tokens], got ${formatShape(weights.shape)}.`,
    );
  }
  if (!tf.util.arraysEqual(weights.shape, selection.shape)) {
    throw new Error(`${where}: selection ${formatShape(selection.shape)} must have the shape of weights ${formatShape(weights.shape)}.`);
  }
  if (!Number.isFinite(coefficient) || coefficient < 0) {
    throw new Error(`${where}: coefficient must be a finite number >= 0, got ${coefficient}.`);
  }
  return tf.tidy(() => {
    const importance = tf.sum(weights, -2);
    const load = tf.sum(selection, -2);
    const perHead = tf.add(cvSquared(importance), cvSquared(load));
    const perExample = tf.sum(perHead, -1);
    return tf.mul(tf.mean(perExample), coefficient) as tf.Scalar;
  });
}
