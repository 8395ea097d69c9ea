import type * as tf from '@tensorflow/tfjs-core';
import { fusedGelu } from '../kernels/fused/gelu';
import { assertFloat } from './assert-shape';
import type { GeluApproximation } from './gelu-approximation';

export type { GeluApproximation } from './gelu-approximation';

/**
 * Gaussian error linear unit, elementwise on any shape `[...]`.
 *
 * - `approximate = 'none'` (default): `0.5 x (1 + erf(x / sqrt 2))`, PyTorch's `nn.GELU()`.
 * - `approximate = 'tanh'`: `0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`,
 *   PyTorch's `nn.GELU(approximate='tanh')`.
 *
 * Differentiable, with a closed-form gradient (`Phi(x) + x phi(x)` for the erf form).
 */
export function gelu<T extends tf.Tensor>(x: T, approximate: GeluApproximation = 'none'): T {
  assertFloat('gelu', 'x', x);
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new Error(`gelu: approximate must be 'none' or 'tanh', got '${String(approximate)}'.`);
  }
  // The closed-form gradient (kernels/fused/gelu.ts) is cheaper than differentiating erf / tanh.
  return fusedGelu(x, approximate) as T;
}
