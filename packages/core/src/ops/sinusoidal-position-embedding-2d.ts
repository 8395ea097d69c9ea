import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInt } from './assert-shape';

/**
 * Fixed 2-D sine-cosine position embeddings (MAE / MoCo v3 style) for a `gridHeight x gridWidth`
 * grid of tokens in row-major order, as a `[gridHeight * gridWidth, dim]` float32 tensor.
 *
 * With `q = dim / 4` and frequencies `omega_i = 1 / temperature^(i / q)` (`i = 0 .. q-1`), token
 * `t = row * gridWidth + col` gets:
 * - channels `[0, q)`: `sin(row * omega_i)`, `[q, 2q)`: `cos(row * omega_i)` (the row half),
 * - channels `[2q, 3q)`: `sin(col * omega_i)`, `[3q, 4q)`: `cos(col * omega_i)` (the column half).
 *
 * (MAE's code puts the column half first because of its meshgrid order; the two differ only by a
 * fixed channel permutation.) `dim` must be divisible by 4.
 *
 * @param temperature Base of the geometric frequencies; default 10000.
 */
export function sinusoidalPositionEmbedding2d(gridHeight: number, gridWidth: number, dim: number, temperature = 10000): tf.Tensor2D {
  const where = 'sinusoidalPositionEmbedding2d';
  assertPositiveInt(where, 'gridHeight', gridHeight);
  assertPositiveInt(where, 'gridWidth', gridWidth);
  assertPositiveInt(where, 'dim', dim);
  if (dim % 4 !== 0) {
    throw new Error(`${where}: dim must be divisible by 4 (sin and cos for rows and columns), got ${dim}.`);
  }
  if (!Number.isFinite(temperature) || temperature <= 0) {
    throw new Error(`${where}: temperature must be a positive number, got ${temperature}.`);
  }
  const q = dim / 4;
  const omega = Array.from({ length: q }, (_, i) => 1 / Math.pow(temperature, i / q));
  const values = new Float32Array(gridHeight * gridWidth * dim);
  for (let row = 0; row < gridHeight; row++) {
    for (let col = 0; col < gridWidth; col++) {
      const base = (row * gridWidth + col) * dim;
      for (let i = 0; i < q; i++) {
        const w = omega[i] as number;
        values[base + i] = Math.sin(row * w);
        values[base + q + i] = Math.cos(row * w);
        values[base + 2 * q + i] = Math.sin(col * w);
        values[base + 3 * q + i] = Math.cos(col * w);
      }
    }
  }
  return tf.tensor2d(values, [gridHeight * gridWidth, dim], 'float32');
}
