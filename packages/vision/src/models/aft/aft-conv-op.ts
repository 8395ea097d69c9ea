import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInt, assertRank, formatShape } from '@ait/core';
import { detach } from '../../blocks/detach';

/**
 * Depth-wise 2-D cross-correlation with 'same' zero padding, `x [batch, H, W, C]` with per-channel
 * kernels `kernel [s, s, C]` (odd s): `out[y, x, c] = sum_ij in[y + i - p, x + j - p, c] k[i, j, c]`,
 * `p = (s - 1) / 2`. Written as s^2 shifted products (pad, slice, multiply, add) because tfjs'
 * wasm backend has no gradient kernels for `depthwiseConv2d`; cost `O(s^2 H W C)`.
 */
function depthwiseConvSame(x: tf.Tensor4D, kernel: tf.Tensor3D): tf.Tensor4D {
  const [batch, height, width, channels] = x.shape;
  const s = kernel.shape[0];
  const p = (s - 1) / 2;
  const padded = tf.pad(x, [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ]);
  const taps = tf.unstack(tf.reshape(kernel, [s * s, channels]));
  let out: tf.Tensor | null = null;
  for (let i = 0; i < s; i++) {
    for (let j = 0; j < s; j++) {
      const term = tf.mul(tf.slice(padded, [0, i, j, 0], [batch, height, width, channels]), taps[i * s + j] as tf.Tensor);
      out = out === null ? term : tf.add(out, term);
    }
  }
  return out as tf.Tensor4D;
}

/**
 * AFT-conv (Zhai et al. 2021) on tokens laid out on a `gridHeight x gridWidth` grid (row-major):
 * for each head i, with `h = heads` groups of `d / h` channels,
 * `Y^i = sigmoid(Q^i) * (conv(exp(K^i) V^i, exp(w^i) - 1) + sum_t' exp(K^i_t') V^i_t')
 *                    / (conv(exp(K^i), exp(w^i) - 1) + sum_t' exp(K^i_t'))`,
 * where `conv` is a depth-wise 2-D convolution with 'same' zero padding and the head's kernel
 * `exp(w^i) - 1`: `w^i[i, j]` is the bias from token `(y, x)` to token `(y + i - p, x + j - p)`,
 * `p = (s - 1) / 2`. This equals AFT-full with those position biases inside each token's window and
 * 0 elsewhere, evaluated in `O(T s^2 d)`.
 *
 * Shapes: `q`, `v` `[batch, T, d]`, `k` `[batch, T, heads]` (one key channel per head),
 * `kernel [heads, s, s]` (odd s) -> `[batch, T, d]`.
 */
export function aftConv(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, kernel: tf.Tensor, gridHeight: number, gridWidth: number): tf.Tensor3D {
  const where = 'aftConv';
  assertRank(where, 'q', q, [3], '[batch, T, d]');
  assertRank(where, 'k', k, [3], '[batch, T, heads]');
  assertRank(where, 'v', v, [3], '[batch, T, d]');
  assertRank(where, 'kernel', kernel, [3], '[heads, s, s]');
  assertPositiveInt(where, 'gridHeight', gridHeight);
  assertPositiveInt(where, 'gridWidth', gridWidth);
  const [batch, tokens, d] = q.shape as [number, number, number];
  const [heads, s, s2] = kernel.shape as [number, number, number];
  if (!tf.util.arraysEqual(q.shape, v.shape)) {
    throw new Error(`${where}: q ${formatShape(q.shape)} and v ${formatShape(v.shape)} must have the same shape.`);
  }
  if (k.shape[0] !== batch || k.shape[1] !== tokens || k.shape[2] !== heads) {
    throw new Error(`${where}: k must have shape [${batch}, ${tokens}, ${heads}] (one channel per head), got ${formatShape(k.shape)}.`);
  }
  if (s !== s2 || s % 2 === 0) throw new Error(`${where}: kernel must be [heads, s, s] with odd s, got ${formatShape(kernel.shape)}.`);
  if (d % heads !== 0) throw new Error(`${where}: the width ${d} of q and v is not divisible by the ${heads} heads.`);
  if (gridHeight * gridWidth !== tokens) {
    throw new Error(`${where}: a ${gridHeight}x${gridWidth} grid holds ${gridHeight * gridWidth} tokens, but q has ${tokens}.`);
  }
  const perHead = d / heads;
  return tf.tidy(() => {
    // exp(K) with the per-head maximum over tokens removed (it cancels in the ratio).
    const ek = tf.exp(tf.sub(k, detach(tf.max(k, 1, true))));
    const ekFull = tf.reshape(tf.tile(tf.expandDims(ek, 3), [1, 1, 1, perHead]), [batch, tokens, d]);
    const ekv = tf.mul(ekFull, v);
    // Per-channel kernels exp(w) - 1 of each channel's head: [s, s, heads] and [s, s, d].
    const headFilter = tf.transpose(tf.sub(tf.exp(kernel), 1), [1, 2, 0]) as tf.Tensor3D;
    const channelFilter = tf.reshape(tf.tile(tf.expandDims(headFilter, 3), [1, 1, 1, perHead]), [s, s, d]) as tf.Tensor3D;
    const grid = (x: tf.Tensor, c: number): tf.Tensor4D => tf.reshape(x, [batch, gridHeight, gridWidth, c]) as tf.Tensor4D;
    const convNum = tf.reshape(depthwiseConvSame(grid(ekv, d), channelFilter), [batch, tokens, d]);
    const convDen = tf.reshape(depthwiseConvSame(grid(ek, heads), headFilter), [batch, tokens, heads]);
    const num = tf.add(convNum, tf.sum(ekv, 1, true));
    const denHeads = tf.add(convDen, tf.sum(ek, 1, true));
    const den = tf.reshape(tf.tile(tf.expandDims(denHeads, 3), [1, 1, 1, perHead]), [batch, tokens, d]);
    return tf.mul(tf.sigmoid(q), tf.div(num, den)) as tf.Tensor3D;
  });
}

/**
 * AFT-conv's kernel re-parameterisation: per head, `w = gain * (raw - mean(raw)) / std(raw) + bias`,
 * with `gain` and `bias` learned and initialised to 0 (so training starts from AFT-simple).
 * Shapes: `raw [heads, s, s]`, `gain [heads]`, `bias [heads]` -> `[heads, s, s]`.
 */
export function aftConvKernel(raw: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor): tf.Tensor3D {
  assertRank('aftConvKernel', 'raw', raw, [3], '[heads, s, s]');
  return tf.tidy(() => {
    const heads = raw.shape[0] as number;
    const { mean, variance } = tf.moments(raw, [1, 2], true);
    const normalised = tf.div(tf.sub(raw, mean), tf.sqrt(tf.add(variance, 1e-8)));
    return tf.add(tf.mul(normalised, tf.reshape(gain, [heads, 1, 1])), tf.reshape(bias, [heads, 1, 1])) as tf.Tensor3D;
  });
}
