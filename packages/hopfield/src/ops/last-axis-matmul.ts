import * as tf from '@tensorflow/tfjs-core';

/**
 * `x [..., k]` times a matrix over the last axis: `w [k, m]` -> `[..., m]`, or with `transposeW`
 * `w [m, k]` -> `[..., m]`. Runs as one 2-D product, because tfjs cannot differentiate a batched
 * product whose second operand is broadcast over the batch.
 */
export function lastAxisMatMul(x: tf.Tensor, w: tf.Tensor, transposeW = false): tf.Tensor {
  return tf.tidy(() => {
    const k = x.shape[x.rank - 1] as number;
    const m = (transposeW ? w.shape[0] : w.shape[1]) as number;
    const flat = tf.reshape(x, [-1, k]) as tf.Tensor2D;
    return tf.reshape(tf.matMul(flat, w as tf.Tensor2D, false, transposeW), [...x.shape.slice(0, -1), m]);
  });
}
