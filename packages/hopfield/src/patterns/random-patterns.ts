import * as tf from '@tensorflow/tfjs-core';
import { globalRng, type SeededRandom } from '@ait/core';

function assertShape(where: string, shape: readonly number[]): void {
  if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${where}: shape must be a non-empty list of positive integers, got [${shape.join(', ')}].`);
  }
}

/**
 * Independent random +-1 entries (each sign with probability 1/2), e.g. `[patterns, dim]` for
 * test memories. Drawn from `rng` (default {@link globalRng}), so one seed gives the same patterns.
 */
export function randomBinaryPatterns(shape: readonly number[], rng: SeededRandom = globalRng()): tf.Tensor {
  assertShape('randomBinaryPatterns', shape);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.next() < 0.5 ? -1 : 1;
  return tf.tensor(values, [...shape], 'float32');
}

/** Independent standard-normal entries of the given shape, drawn from `rng` (default {@link globalRng}). */
export function randomGaussianPatterns(shape: readonly number[], rng: SeededRandom = globalRng()): tf.Tensor {
  assertShape('randomGaussianPatterns', shape);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(n);
  for (let i = 0; i < n; i++) values[i] = rng.normal();
  return tf.tensor(values, [...shape], 'float32');
}
