import * as tf from '@tensorflow/tfjs-core';

/** Names of the interaction functions of dense associative memories. */
export type InteractionName = 'polynomial' | 'rectifiedPolynomial' | 'exponential';

/**
 * The interaction function `F` of a dense associative memory, whose energy is
 * `-sum_mu F(x_mu . s)`: elementwise on tensors, with its derivative, and on plain numbers for the
 * asynchronous sweep.
 */
export interface InteractionFunction {
  /** Which function. */
  readonly name: InteractionName;
  /** Polynomial degree `n` (`null` for the exponential). */
  readonly degree: number | null;
  /** Inverse temperature of the exponential (`null` for polynomials). */
  readonly beta: number | null;
  /**
   * Whether `F(z - c) = F(z) * k(c)` with `k(c) > 0` (the exponential): updates then evaluate `F`
   * relative to the largest overlap, which keeps them finite.
   */
  readonly shiftInvariant: boolean;
  /** `F(z)` elementwise, any shape. */
  value(z: tf.Tensor): tf.Tensor;
  /** `F'(z)` elementwise, any shape. */
  derivative(z: tf.Tensor): tf.Tensor;
  /** `F(z)` of one number (float64). */
  scalar(z: number): number;
}

function assertDegree(where: string, degree: number, integer: boolean): void {
  const ok = Number.isFinite(degree) && degree >= 1 && (!integer || Number.isInteger(degree));
  if (!ok) {
    throw new Error(`${where}: degree must be ${integer ? 'an integer' : 'a number'} >= 1, got ${degree}.`);
  }
}

/**
 * `F(z) = g(z)^n` with `g` the identity or, `rectified`, `max(z, 0)`: the two polynomial
 * interactions, on tensors and on numbers.
 */
function powerInteraction(name: InteractionName, n: number, rectified: boolean): InteractionFunction {
  const base = (z: tf.Tensor): tf.Tensor => (rectified ? tf.relu(z) : z);
  const slopeOfLinear = (z: tf.Tensor): tf.Tensor => (rectified ? tf.cast(tf.greater(z, 0), 'float32') : tf.onesLike(z));
  return {
    name,
    degree: n,
    beta: null,
    shiftInvariant: false,
    value: (z) => tf.tidy(() => tf.pow(base(z), n)),
    derivative: (z) => tf.tidy(() => (n === 1 ? slopeOfLinear(z) : tf.mul(n, tf.pow(base(z), n - 1)))),
    scalar: (z) => (rectified && !(z > 0) ? 0 : z ** n),
  };
}

/**
 * `F(z) = z^n` (Krotov and Hopfield 2016). The number of patterns a `dim`-neuron memory holds
 * grows like `dim^(n-1)`; `n = 2` is the classical network. `n` must be an integer.
 */
export function polynomialInteraction(degree = 3): InteractionFunction {
  assertDegree('polynomialInteraction', degree, true);
  return powerInteraction('polynomial', degree, false);
}

/**
 * `F(z) = max(z, 0)^n`, the rectified polynomial (Krotov and Hopfield 2016); same capacity scaling
 * as {@link polynomialInteraction}, and `n` may be any number >= 1.
 */
export function rectifiedPolynomialInteraction(degree = 3): InteractionFunction {
  assertDegree('rectifiedPolynomialInteraction', degree, false);
  return powerInteraction('rectifiedPolynomial', degree, true);
}

/**
 * `F(z) = exp(beta z)` (Demircigil et al. 2017): capacity exponential in `dim` (about `2^(dim/2)`).
 * The energy itself overflows float32 once `beta * dim` passes about 85; the updates do not.
 */
export function exponentialInteraction(beta = 1): InteractionFunction {
  if (!Number.isFinite(beta) || beta <= 0) {
    throw new Error(`exponentialInteraction: beta must be a finite number > 0, got ${beta}.`);
  }
  return {
    name: 'exponential',
    degree: null,
    beta,
    shiftInvariant: true,
    value: (z) => tf.tidy(() => tf.exp(tf.mul(z, beta))),
    derivative: (z) => tf.tidy(() => tf.mul(beta, tf.exp(tf.mul(z, beta)))),
    scalar: (z) => Math.exp(beta * z),
  };
}
