import * as tf from '@tensorflow/tfjs-core';
import { fusedLayerNorm } from '../kernels/fused/fused-layer-norm';
import { assertFloat, assertMinRank, formatShape } from './assert-shape';

/**
 * Layer normalisation over the last axis:
 * `y = (x - mean) / sqrt(var + epsilon) * gamma + beta`, with the biased variance (as PyTorch).
 *
 * Shapes: `x [..., dim]`, optional `gamma [dim]` (scale) and `beta [dim]` (shift) -> `[..., dim]`.
 *
 * @param epsilon Added to the variance; PyTorch's default 1e-5 (AiT's memory uses 1e-6).
 */
export function layerNorm<T extends tf.Tensor>(x: T, gamma?: tf.Tensor | null, beta?: tf.Tensor | null, epsilon = 1e-5): T {
  const where = 'layerNorm';
  assertFloat(where, 'x', x);
  assertMinRank(where, 'x', x, 1, '[..., dim]');
  if (!Number.isFinite(epsilon) || epsilon < 0) {
    throw new Error(`${where}: epsilon must be a finite number >= 0, got ${epsilon}.`);
  }
  const dim = x.shape[x.rank - 1] as number;
  for (const [name, p] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (p != null && (p.rank !== 1 || p.shape[0] !== dim)) {
      throw new Error(`${where}: ${name} must have shape [${dim}] to match x ${formatShape(x.shape)}, got ${formatShape(p.shape)}.`);
    }
  }
  // With both affine parameters, the fused form's closed-form gradient is cheaper than autodiff.
  if (gamma != null && beta != null && epsilon > 0) return fusedLayerNorm(x, gamma, beta, epsilon) as T;
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), -1, true);
    let y: tf.Tensor = tf.mul(centered, tf.rsqrt(tf.add(variance, epsilon)));
    if (gamma != null) y = tf.mul(y, gamma);
    if (beta != null) y = tf.add(y, beta);
    return y;
  }) as T;
}
