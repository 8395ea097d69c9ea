import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, formatShape } from '@ait/core';
import { canonicalState, restoreLeading } from '../energy/memory-shapes';

/** Weights `[dim, dim]` or `[batch, dim, dim]` as rank 3, and thresholds `[dim]` / `[batch, dim]` as `[b, 1, dim]`. */
export function canonicalWeights(
  where: string,
  weights: tf.Tensor,
  thresholds: tf.Tensor | null | undefined,
): { w: tf.Tensor3D; theta: tf.Tensor3D | null; batched: boolean } {
  assertFloat(where, 'weights', weights);
  const ok = (weights.rank === 2 || weights.rank === 3) && weights.shape[weights.rank - 1] === weights.shape[weights.rank - 2];
  if (!ok) {
    throw new Error(`${where}: weights must be square, [dim, dim] or [batch, dim, dim], got ${formatShape(weights.shape)}.`);
  }
  const batched = weights.rank === 3;
  const w = (batched ? weights : tf.expandDims(weights, 0)) as tf.Tensor3D;
  const [b, dim] = w.shape;
  let theta: tf.Tensor3D | null = null;
  if (thresholds != null) {
    assertFloat(where, 'thresholds', thresholds);
    const fits =
      (thresholds.rank === 1 && thresholds.shape[0] === dim) ||
      (thresholds.rank === 2 && thresholds.shape[0] === b && thresholds.shape[1] === dim);
    if (!fits) {
      throw new Error(
        `${where}: thresholds must have shape [${dim}]${batched ? ` or [${b}, ${dim}]` : ''} to match the weights ` +
          `${formatShape(weights.shape)}, got ${formatShape(thresholds.shape)}.`,
      );
    }
    theta = tf.reshape(thresholds, [thresholds.rank === 1 ? 1 : b, 1, dim]) as tf.Tensor3D;
  }
  return { w, theta, batched };
}

/**
 * Energy of a classical Hopfield network, `E = -1/2 s^T W s + theta . s`, for states `s`.
 *
 * Shapes: `state [..., dim]` with `weights [dim, dim]` and optional `thresholds [dim]`, or
 * `state [batch, dim]` / `[batch, q, dim]` with `weights [batch, dim, dim]` and `thresholds [batch, dim]`
 * -> `state.shape` without the last axis.
 */
export function classicalEnergy(state: tf.Tensor, weights: tf.Tensor, thresholds?: tf.Tensor | null): tf.Tensor {
  const where = 'classicalEnergy';
  return tf.tidy(() => {
    const { w, theta, batched } = canonicalWeights(where, weights, thresholds);
    const { state: s, leading } = canonicalState(where, state, w.shape[2], batched ? w.shape[0] : null);
    let e = tf.mul(-0.5, tf.sum(tf.mul(tf.matMul(s, w), s), -1));
    if (theta) e = tf.add(e, tf.sum(tf.mul(theta, s), -1));
    return restoreLeading(e, leading, []);
  });
}

/**
 * Analytic gradient of {@link classicalEnergy}: `dE/ds = -1/2 (W + W^T) s + theta` (`-W s + theta`
 * for the symmetric weights of the storage rules). Shape of the state.
 */
export function classicalEnergyGradient(state: tf.Tensor, weights: tf.Tensor, thresholds?: tf.Tensor | null): tf.Tensor {
  const where = 'classicalEnergyGradient';
  return tf.tidy(() => {
    const { w, theta, batched } = canonicalWeights(where, weights, thresholds);
    const dim = w.shape[2];
    const { state: s, leading } = canonicalState(where, state, dim, batched ? w.shape[0] : null);
    const sym = tf.mul(0.5, tf.add(w, tf.transpose(w, [0, 2, 1])));
    let g = tf.neg(tf.matMul(s, sym));
    if (theta) g = tf.add(g, theta);
    return restoreLeading(g, leading, [dim]);
  });
}

/**
 * The Lyapunov function of synchronous updates (Goles; Bruck 1990):
 * `L(t) = -s_t^T W s_(t-1) + theta . (s_t + s_(t-1))`. It never increases under
 * `s_(t+1) = sign(W s_t - theta)` for symmetric `W`, and is constant exactly on fixed points and
 * 2-cycles, the only limits synchronous dynamics can reach. Shapes as {@link classicalEnergy}.
 */
export function synchronousLyapunov(previous: tf.Tensor, next: tf.Tensor, weights: tf.Tensor, thresholds?: tf.Tensor | null): tf.Tensor {
  const where = 'synchronousLyapunov';
  return tf.tidy(() => {
    const { w, theta, batched } = canonicalWeights(where, weights, thresholds);
    const dim = w.shape[2];
    const pb = batched ? w.shape[0] : null;
    const { state: a, leading } = canonicalState(where, previous, dim, pb);
    const { state: b } = canonicalState(where, next, dim, pb);
    let l = tf.neg(tf.sum(tf.mul(tf.matMul(a, w), b), -1));
    if (theta) l = tf.add(l, tf.sum(tf.mul(theta, tf.add(a, b)), -1));
    return restoreLeading(l, leading, []);
  });
}
