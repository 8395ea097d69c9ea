import * as tf from '@tensorflow/tfjs-core';
import { defineLagrangian, sumPerSample, type Lagrangian } from './lagrangian';

function assertPositive(where: string, what: string, v: number): void {
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${where}: ${what} must be a finite number > 0, got ${v}.`);
}

/** A Lagrangian that is a sum over neurons of `perNeuron(x)`, with the elementwise `activation`. */
function elementwise(
  name: string,
  config: Lagrangian['config'],
  perNeuron: (x: tf.Tensor) => tf.Tensor,
  activation: (x: tf.Tensor) => tf.Tensor,
): Lagrangian {
  return defineLagrangian(`${name}Lagrangian`, name, config, (x) => sumPerSample(perNeuron(x)), activation);
}

/** `L = 1/2 sum x^2`: the identity activation `g = x` (e.g. image pixels). */
export function identityLagrangian(): Lagrangian {
  return elementwise(
    'identity',
    {},
    (x) => tf.mul(0.5, tf.square(x)),
    (x) => tf.clone(x),
  );
}

/**
 * Rectified power unit of degree `n >= 1`: `L = sum max(x, 0)^n / n`, `g = max(x, 0)^(n-1)`.
 * `n = 2` is the ReLU.
 */
export function rectifiedPowerLagrangian(degree = 2): Lagrangian {
  if (!Number.isFinite(degree) || degree < 1) throw new Error(`rectifiedPowerLagrangian: degree must be >= 1, got ${degree}.`);
  const n = degree;
  return elementwise(
    'rectifiedPower',
    { degree: n },
    (x) => tf.div(tf.pow(tf.relu(x), n), n),
    (x) => (n === 1 ? tf.cast(tf.greater(x, 0), 'float32') : n === 2 ? tf.relu(x) : tf.pow(tf.relu(x), n - 1)),
  );
}

/** `L = 1/2 sum max(x, 0)^2`: the ReLU activation (the rectified power of degree 2). */
export function reluLagrangian(): Lagrangian {
  return rectifiedPowerLagrangian(2);
}

/** `L = sum exp(beta x) / beta`: the exponential activation `g = exp(beta x)` (Demircigil et al. 2017). */
export function expLagrangian(beta = 1): Lagrangian {
  assertPositive('expLagrangian', 'beta', beta);
  return elementwise(
    'exp',
    { beta },
    (x) => tf.div(tf.exp(tf.mul(beta, x)), beta),
    (x) => tf.exp(tf.mul(beta, x)),
  );
}

/**
 * Rectified exponential: `L = sum exp(beta max(x, 0)) / beta - max(x, 0)`,
 * `g = exp(beta max(x, 0)) - 1` (0 for negative states).
 */
export function rectifiedExpLagrangian(beta = 1): Lagrangian {
  assertPositive('rectifiedExpLagrangian', 'beta', beta);
  return elementwise(
    'rectifiedExp',
    { beta },
    (x) => {
      const r = tf.relu(x);
      return tf.sub(tf.div(tf.exp(tf.mul(beta, r)), beta), r);
    },
    (x) => tf.sub(tf.exp(tf.mul(beta, tf.relu(x))), 1),
  );
}

/** `L = sum log cosh(beta x) / beta` (evaluated without overflow): the activation `g = tanh(beta x)`. */
export function tanhLagrangian(beta = 1): Lagrangian {
  assertPositive('tanhLagrangian', 'beta', beta);
  return elementwise(
    'tanh',
    { beta },
    (x) => {
      const a = tf.abs(tf.mul(beta, x));
      return tf.div(tf.sub(tf.add(a, tf.log1p(tf.exp(tf.mul(-2, a)))), Math.LN2), beta);
    },
    (x) => tf.tanh(tf.mul(beta, x)),
  );
}

/** `L = scale / beta sum softplus(beta x)`: the activation `g = scale * sigmoid(beta x)`. */
export function sigmoidLagrangian(beta = 1, scale = 1): Lagrangian {
  assertPositive('sigmoidLagrangian', 'beta', beta);
  assertPositive('sigmoidLagrangian', 'scale', scale);
  return elementwise(
    'sigmoid',
    { beta, scale },
    (x) => tf.mul(scale / beta, tf.softplus(tf.mul(beta, x))),
    (x) => tf.mul(scale, tf.sigmoid(tf.mul(beta, x))),
  );
}

/**
 * The integral of the (exact, erf) GELU, `Phi(x) = 1/4 (x^2 + (x^2 - 1) erf(x / sqrt 2) + x sqrt(2/pi) exp(-x^2 / 2))`,
 * elementwise: `Phi(0) = 0` and `Phi' = gelu`.
 */
export function geluIntegral(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const x2 = tf.square(x);
    const erf = tf.erf(tf.mul(x, Math.SQRT1_2));
    const gauss = tf.mul(tf.mul(x, Math.sqrt(2 / Math.PI)), tf.exp(tf.mul(-0.5, x2)));
    return tf.mul(0.25, tf.add(tf.add(x2, tf.mul(tf.sub(x2, 1), erf)), gauss));
  });
}

/**
 * `L = sum Phi(x)` with `Phi` the {@link geluIntegral}: the GELU activation (the hidden layers of
 * the Karakida-Ota-Taki network). Not convex (`gelu' < 0` below about -0.75), so descent on a
 * network whose free layers use it is not guaranteed to lower the energy.
 */
export function geluLagrangian(): Lagrangian {
  return elementwise('gelu', {}, geluIntegral, (x) => tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}
