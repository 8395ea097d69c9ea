import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInt, assertRank, formatShape } from '@ait/core';

/**
 * AFT-local's position biases (Zhai et al. 2021): `w` kept where `|t - t'| < windowSize` and set to
 * 0 (not -inf) elsewhere, so tokens outside the window still contribute with weight `exp(K_t')`.
 * Shapes: `w [T, T]` -> `[T, T]`. `aftFull(q, k, v, aftLocalBias(w, s))` is AFT-local.
 */
export function aftLocalBias(w: tf.Tensor, windowSize: number): tf.Tensor2D {
  assertRank('aftLocalBias', 'w', w, [2], '[T, T]');
  assertPositiveInt('aftLocalBias', 'windowSize', windowSize);
  const tokens = w.shape[0] as number;
  if (w.shape[1] !== tokens) throw new Error(`aftLocalBias: w must be square [T, T], got ${formatShape(w.shape)}.`);
  const mask = new Float32Array(tokens * tokens);
  for (let t = 0; t < tokens; t++) {
    for (let s = 0; s < tokens; s++) mask[t * tokens + s] = Math.abs(t - s) < windowSize ? 1 : 0;
  }
  return tf.tidy(() => tf.mul(w, tf.tensor2d(mask, [tokens, tokens])) as tf.Tensor2D);
}
