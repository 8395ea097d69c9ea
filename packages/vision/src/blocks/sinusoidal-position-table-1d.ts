import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInt } from '@ait/core';

/**
 * The fixed 1-D sine-cosine position table of "Attention is all you need", `[tokens, dim]`:
 * `table[t, 2i] = sin(t / 10000^(2i / dim))`, `table[t, 2i + 1] = cos(t / 10000^(2i / dim))`.
 * (The Coordination reference adds it to its token sequence, CLS token first.)
 */
export function sinusoidalPositionTable1d(tokens: number, dim: number): tf.Tensor2D {
  assertPositiveInt('sinusoidalPositionTable1d', 'tokens', tokens);
  assertPositiveInt('sinusoidalPositionTable1d', 'dim', dim);
  const values = new Float32Array(tokens * dim);
  for (let t = 0; t < tokens; t++) {
    for (let j = 0; j < dim; j++) {
      const angle = t / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      values[t * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return tf.tensor2d(values, [tokens, dim], 'float32');
}
