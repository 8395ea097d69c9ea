import * as tf from '@tensorflow/tfjs-core';
import { assertFloat } from './assert-shape';

/** Which GELU formula to use: `none` is the exact erf form (PyTorch's default), `tanh` the approximation. */
export type GeluApproximation = 'none' | 'tanh';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * Gaussian error linear unit, elementwise on any shape `[...]`.
 *
 * - `approximate = 'none'` (default): `0.5 x (1 + erf(x / sqrt 2))`, PyTorch's `nn.GELU()`.
 * - `approximate = 'tanh'`: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`,
 *   PyTorch's `nn.GELU(approximate='tanh')`.
 *
 * Differentiable (composed of tfjs ops that have gradients).
 */
export function gelu<T extends tf.Tensor>(x: T, approximate: GeluApproximation = 'none'): T {
  assertFloat('gelu', 'x', x);
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new Error(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'.`);
  }
  return tf.tidy(() => {
    if (approximate === 'tanh') {
      const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.mul(x, tf.square(x)))));
      return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
    }
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  }) as T;
}
