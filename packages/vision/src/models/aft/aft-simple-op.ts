import * as tf from '@tensorflow/tfjs-core';
import { assertRank, formatShape } from '@ait/core';

/**
 * AFT-simple (Zhai et al. 2021): AFT-full without position biases,
 * `Y_t = sigmoid(Q_t) * sum_t' softmax_t'(K)_t' V_t'` (softmax over the tokens, per feature), so
 * every token reads the same global context: `O(T d)` time and memory.
 *
 * Shapes: `q`, `k`, `v` `[batch, T, d]` -> `[batch, T, d]`.
 */
export function aftSimple(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor3D {
  const where = 'aftSimple';
  assertRank(where, 'q', q, [3], '[batch, T, d]');
  if (!tf.util.arraysEqual(q.shape, k.shape) || !tf.util.arraysEqual(q.shape, v.shape)) {
    throw new Error(
      `${where}: q ${formatShape(q.shape)}, k ${formatShape(k.shape)} and v ${formatShape(v.shape)} must have the same shape.`,
    );
  }
  return tf.tidy(() => {
    const context = tf.sum(tf.mul(tf.softmax(tf.transpose(k, [0, 2, 1]), -1), tf.transpose(v, [0, 2, 1])), -1, true);
    return tf.mul(tf.sigmoid(q), tf.transpose(context, [0, 2, 1])) as tf.Tensor3D;
  });
}
