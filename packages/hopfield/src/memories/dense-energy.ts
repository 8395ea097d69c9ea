import * as tf from '@tensorflow/tfjs-core';
import { canonicalPatterns, canonicalState, restoreLeading } from '../energy/memory-shapes';
import type { InteractionFunction } from './interaction-functions';

/**
 * Energy of a dense associative memory (Krotov and Hopfield 2016), `E = -sum_mu F(x_mu . s)`,
 * for stored patterns `x_mu` (rows) and interaction function `F`.
 *
 * Shapes: `state [..., dim]` with `patterns [N, dim]`, or `state [batch, dim]` / `[batch, q, dim]`
 * with `patterns [batch, N, dim]` -> `state.shape` without the last axis.
 */
export function denseEnergy(state: tf.Tensor, patterns: tf.Tensor, interaction: InteractionFunction): tf.Tensor {
  const where = 'denseEnergy';
  return tf.tidy(() => {
    const { patterns: p, batched } = canonicalPatterns(where, patterns);
    const { state: s, leading } = canonicalState(where, state, p.shape[2], batched ? p.shape[0] : null);
    const overlaps = tf.matMul(s, p, false, true);
    return restoreLeading(tf.neg(tf.sum(interaction.value(overlaps), -1)), leading, []);
  });
}

/**
 * Analytic gradient of {@link denseEnergy}: `dE/ds = -sum_mu F'(x_mu . s) x_mu`, shape of the state.
 */
export function denseEnergyGradient(state: tf.Tensor, patterns: tf.Tensor, interaction: InteractionFunction): tf.Tensor {
  const where = 'denseEnergyGradient';
  return tf.tidy(() => {
    const { patterns: p, batched } = canonicalPatterns(where, patterns);
    const dim = p.shape[2];
    const { state: s, leading } = canonicalState(where, state, dim, batched ? p.shape[0] : null);
    const slopes = interaction.derivative(tf.matMul(s, p, false, true));
    return restoreLeading(tf.neg(tf.matMul(slopes, p)), leading, [dim]);
  });
}
