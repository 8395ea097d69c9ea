import * as tf from '@tensorflow/tfjs-core';
import { assertRank, formatShape } from '@ait/core';
import { detach } from '../../blocks/detach';

/** `w [T, T]` times every batch of `x [batch, T, d]`: `[batch, T, d]` (as one 2-D matmul). */
function mixTokens(w: tf.Tensor, x: tf.Tensor): tf.Tensor {
  const [batch, tokens, d] = x.shape as [number, number, number];
  const flat = tf.reshape(tf.transpose(x, [1, 0, 2]), [tokens, batch * d]);
  return tf.transpose(tf.reshape(tf.matMul(w, flat), [tokens, batch, d]), [1, 0, 2]);
}

/**
 * AFT-full (Zhai et al. 2021, "An Attention Free Transformer"), element-wise over the features:
 * `Y_t = sigmoid(Q_t) * sum_t' exp(K_t' + w_tt') V_t' / sum_t' exp(K_t' + w_tt')`.
 *
 * Shapes: `q`, `k`, `v` `[batch, T, d]`, position biases `w [T, T]` (row t = the target token)
 * -> `[batch, T, d]`. Computed as two `[T, T] x [T, batch*d]` products after subtracting the
 * maxima of `K` over tokens and of each row of `w` (the shifts cancel in the ratio; they are cut
 * from the gradient), so large logits do not overflow. Cost `O(T^2 d)` time, `O(T d + T^2)` memory.
 */
export function aftFull(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, w: tf.Tensor): tf.Tensor3D {
  const where = 'aftFull';
  assertRank(where, 'q', q, [3], '[batch, T, d]');
  assertRank(where, 'k', k, [3], '[batch, T, d]');
  assertRank(where, 'v', v, [3], '[batch, T, d]');
  assertRank(where, 'w', w, [2], '[T, T]');
  if (!tf.util.arraysEqual(q.shape, k.shape) || !tf.util.arraysEqual(q.shape, v.shape)) {
    throw new Error(
      `${where}: q ${formatShape(q.shape)}, k ${formatShape(k.shape)} and v ${formatShape(v.shape)} must have the same shape.`,
    );
  }
  const tokens = q.shape[1] as number;
  if (w.shape[0] !== tokens || w.shape[1] !== tokens) {
    throw new Error(`${where}: w must have shape [${tokens}, ${tokens}] for ${tokens} tokens, got ${formatShape(w.shape)}.`);
  }
  return tf.tidy(() => {
    const ek = tf.exp(tf.sub(k, detach(tf.max(k, 1, true))));
    const ew = tf.exp(tf.sub(w, detach(tf.max(w, 1, true))));
    const num = mixTokens(ew, tf.mul(ek, v));
    const den = mixTokens(ew, ek);
    return tf.mul(tf.sigmoid(q), tf.div(num, den)) as tf.Tensor3D;
  });
}
