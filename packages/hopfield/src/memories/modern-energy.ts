import * as tf from '@tensorflow/tfjs-core';
import { canonicalPatterns, canonicalState, restoreLeading } from '../energy/memory-shapes';

/** Throws unless `beta` is a finite positive number. */
export function assertBeta(where: string, beta: number): void {
  if (!Number.isFinite(beta) || beta <= 0) {
    throw new Error(`${where}: beta (the inverse temperature) must be a finite number > 0, got ${beta}.`);
  }
}

/**
 * Energy of the continuous modern Hopfield network (Ramsauer et al. 2020) for stored patterns
 * `X` (rows `x_i`) and states `xi`:
 * `E = -lse(beta, X xi) + 1/2 xi . xi + ln(N) / beta + 1/2 M^2`, with
 * `lse(beta, z) = (1/beta) log sum_i exp(beta z_i)` and `M` the largest pattern norm.
 *
 * Shapes: `state [..., dim]` with `patterns [N, dim]`, or `state [batch, dim]` / `[batch, q, dim]`
 * with `patterns [batch, N, dim]` -> energies `state.shape` without the last axis. `E >= 0`.
 */
export function modernHopfieldEnergy(state: tf.Tensor, patterns: tf.Tensor, beta: number): tf.Tensor {
  const where = 'modernHopfieldEnergy';
  assertBeta(where, beta);
  return tf.tidy(() => {
    const { patterns: p, batched } = canonicalPatterns(where, patterns);
    const [pb, n, dim] = p.shape;
    const { state: s, leading } = canonicalState(where, state, dim, batched ? pb : null);
    const logits = tf.mul(tf.matMul(s, p, false, true), beta);
    const lse = tf.div(tf.logSumExp(logits, -1), beta);
    const half = tf.mul(0.5, tf.sum(tf.square(s), -1));
    const maxNormSq = tf.max(tf.sum(tf.square(p), -1), -1, true);
    const constant = tf.add(Math.log(n) / beta, tf.mul(0.5, maxNormSq));
    return restoreLeading(tf.add(tf.sub(half, lse), constant), leading, []);
  });
}

/**
 * Analytic gradient of {@link modernHopfieldEnergy} with respect to the state:
 * `dE/dxi = xi - X^T softmax(beta X xi)`. Shapes as the energy's state: `[..., dim]`.
 * Its zeros are the fixed points of the update `xi <- X^T softmax(beta X xi)`.
 */
export function modernHopfieldEnergyGradient(state: tf.Tensor, patterns: tf.Tensor, beta: number): tf.Tensor {
  const where = 'modernHopfieldEnergyGradient';
  assertBeta(where, beta);
  return tf.tidy(() => {
    const { patterns: p, batched } = canonicalPatterns(where, patterns);
    const dim = p.shape[2];
    const { state: s, leading } = canonicalState(where, state, dim, batched ? p.shape[0] : null);
    const weights = tf.softmax(tf.mul(tf.matMul(s, p, false, true), beta), -1);
    return restoreLeading(tf.sub(s, tf.matMul(weights, p)), leading, [dim]);
  });
}
