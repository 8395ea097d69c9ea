import * as tf from '@tensorflow/tfjs-core';
import { defineLagrangian, sumPerSample, type Lagrangian } from './lagrangian';

/**
 * Which neurons a normalising Lagrangian normalises together: `last` = each group along the last
 * axis (e.g. each token's features), `all` = all of a sample's neurons at once (e.g. a whole
 * tokens x channels matrix).
 */
export type LagrangianAxes = 'last' | 'all';

/** Options of {@link softmaxLagrangian} and {@link softmaxWithZeroLagrangian}. */
export interface SoftmaxLagrangianOptions {
  /** Inverse temperature; default 1. */
  beta?: number;
  /** Normalised axes; default `last`. */
  axes?: LagrangianAxes;
}

/** Options of {@link layerNormLagrangian} and {@link sphericalLagrangian}. */
export interface NormLagrangianOptions {
  /** Scalar gain `gamma > 0` (a number or a scalar tensor, e.g. a learned weight); default 1. */
  gamma?: number | tf.Tensor;
  /** Shift `delta` added to the activation: a number or a tensor broadcastable to a sample's neurons; default 0. */
  delta?: number | tf.Tensor | null;
  /** Added under the square root; default 1e-5. */
  eps?: number;
  /** Normalised axes; default `last`. */
  axes?: LagrangianAxes;
}

/** `x [batch, ...]` viewed as `[batch, groups, n]` for the normalised axes. */
function grouped(x: tf.Tensor, axes: LagrangianAxes): tf.Tensor3D {
  const batch = x.shape[0] as number;
  const n = axes === 'all' ? x.size / batch : (x.shape[x.rank - 1] as number);
  return tf.reshape(x, [batch, -1, n]) as tf.Tensor3D;
}

function checkAxes(where: string, axes: string): LagrangianAxes {
  if (axes !== 'last' && axes !== 'all') throw new Error(`${where}: axes must be 'last' or 'all', got '${axes}'.`);
  return axes;
}

function checkBeta(where: string, beta: number): void {
  if (!Number.isFinite(beta) || beta <= 0) throw new Error(`${where}: beta must be a finite number > 0, got ${beta}.`);
}

/** `L = (1/beta) sum_groups logsumexp(beta x)`: the softmax activation `g = softmax(beta x)` over each group. */
export function softmaxLagrangian(options: SoftmaxLagrangianOptions = {}): Lagrangian {
  const where = 'softmaxLagrangian';
  const beta = options.beta ?? 1;
  const axes = checkAxes(where, options.axes ?? 'last');
  checkBeta(where, beta);
  return defineLagrangian(
    where,
    'softmax',
    { beta, axes },
    (x) => tf.div(sumPerSample(tf.logSumExp(tf.mul(beta, grouped(x, axes)), -1)), beta),
    (x) => tf.reshape(tf.softmax(tf.mul(beta, grouped(x, axes)), -1), x.shape),
  );
}

/**
 * Softmax with an extra logit fixed at 0 ("attention to nothing"):
 * `L = (1/beta) sum_groups log(1 + sum exp(beta x))`, `g = exp(beta x) / (1 + sum exp(beta x))`.
 */
export function softmaxWithZeroLagrangian(options: SoftmaxLagrangianOptions = {}): Lagrangian {
  const where = 'softmaxWithZeroLagrangian';
  const beta = options.beta ?? 1;
  const axes = checkAxes(where, options.axes ?? 'last');
  checkBeta(where, beta);
  const withZero = (x: tf.Tensor): tf.Tensor => {
    const g = tf.mul(beta, grouped(x, axes));
    return tf.concat([tf.zeros([...g.shape.slice(0, 2), 1]), g], -1);
  };
  return defineLagrangian(
    where,
    'softmaxWithZero',
    { beta, axes },
    (x) => tf.div(sumPerSample(tf.logSumExp(withZero(x), -1)), beta),
    (x) => {
      const s = tf.softmax(withZero(x), -1);
      const n = s.shape[2] as number;
      return tf.reshape(tf.slice(s, [0, 0, 1], [-1, -1, n - 1]), x.shape);
    },
  );
}

/** The checked options of a normalising Lagrangian. */
interface NormParts {
  readonly gamma: number | tf.Tensor;
  readonly delta: number | tf.Tensor | null;
  readonly eps: number;
  readonly axes: LagrangianAxes;
}

function normParts(where: string, options: NormLagrangianOptions): NormParts {
  const gamma = options.gamma ?? 1;
  if (typeof gamma === 'number' && (!Number.isFinite(gamma) || gamma <= 0)) {
    throw new Error(`${where}: gamma must be a finite number > 0 (a convex Lagrangian), got ${gamma}.`);
  }
  const eps = options.eps ?? 1e-5;
  if (!Number.isFinite(eps) || eps <= 0) throw new Error(`${where}: eps must be a finite number > 0, got ${eps}.`);
  return { gamma, delta: options.delta ?? null, eps, axes: checkAxes(where, options.axes ?? 'last') };
}

/**
 * A normalising Lagrangian with the shift `delta`: `L = scaled(x) + sum delta x` and
 * `g = normalised(x) + delta`, where `scaled` is the per-sample Lagrangian `[batch]` and
 * `normalised` its gradient, both without the shift.
 */
function shiftedNormLagrangian(
  where: string,
  name: string,
  parts: NormParts,
  scaled: (x: tf.Tensor) => tf.Tensor,
  normalised: (x: tf.Tensor) => tf.Tensor,
): Lagrangian {
  const { gamma, delta, eps, axes } = parts;
  const config = {
    gamma: typeof gamma === 'number' ? gamma : 'tensor',
    eps,
    axes,
    delta: typeof delta === 'number' || delta === null ? (delta ?? 0) : 'tensor',
  };
  const shifted = delta !== null && delta !== 0;
  return defineLagrangian(
    where,
    name,
    config,
    (x) => (shifted ? tf.add(scaled(x), sumPerSample(tf.mul(x, delta))) : scaled(x)),
    (x) => (delta === null ? normalised(x) : tf.add(normalised(x), delta)),
  );
}

/**
 * Layer-norm Lagrangian (Krotov 2021; the Energy Transformer): over each group of `n` neurons,
 * `L = n gamma sqrt(var(x) + eps) + sum delta x`, whose activation is the layer norm
 * `g = gamma (x - mean) / sqrt(var + eps) + delta`. Convex for `gamma > 0`.
 */
export function layerNormLagrangian(options: NormLagrangianOptions = {}): Lagrangian {
  const where = 'layerNormLagrangian';
  const parts = normParts(where, options);
  const { gamma, eps, axes } = parts;
  const stats = (x: tf.Tensor): { centred: tf.Tensor; sd: tf.Tensor; n: number } => {
    const g = grouped(x, axes);
    const centred = tf.sub(g, tf.mean(g, -1, true));
    const sd = tf.sqrt(tf.add(tf.mean(tf.square(centred), -1, true), eps));
    return { centred, sd, n: g.shape[2] };
  };
  return shiftedNormLagrangian(
    where,
    'layerNorm',
    parts,
    (x) => {
      const { sd, n } = stats(x);
      return tf.mul(tf.mul(n, gamma), sumPerSample(sd));
    },
    (x) => {
      const { centred, sd } = stats(x);
      return tf.reshape(tf.mul(gamma, tf.div(centred, sd)), x.shape);
    },
  );
}

/**
 * Spherical (L2) normalisation: over each group, `L = gamma sqrt(sum x^2 + eps) + sum delta x`,
 * activation `g = gamma x / sqrt(sum x^2 + eps) + delta`. Convex for `gamma > 0`.
 */
export function sphericalLagrangian(options: NormLagrangianOptions = {}): Lagrangian {
  const where = 'sphericalLagrangian';
  const parts = normParts(where, options);
  const { gamma, eps, axes } = parts;
  const norm = (g: tf.Tensor): tf.Tensor => tf.sqrt(tf.add(tf.sum(tf.square(g), -1, true), eps));
  return shiftedNormLagrangian(
    where,
    'spherical',
    parts,
    (x) => tf.mul(gamma, sumPerSample(norm(grouped(x, axes)))),
    (x) => {
      const g = grouped(x, axes);
      return tf.reshape(tf.mul(gamma, tf.div(g, norm(g))), x.shape);
    },
  );
}
