import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, SeededRandom } from '@ait/core';
import {
  expLagrangian,
  geluIntegral,
  geluLagrangian,
  identityLagrangian,
  layerNormLagrangian,
  neuronEnergy,
  rectifiedExpLagrangian,
  rectifiedPowerLagrangian,
  reluLagrangian,
  sigmoidLagrangian,
  softmaxLagrangian,
  softmaxWithZeroLagrangian,
  sphericalLagrangian,
  tanhLagrangian,
  type Lagrangian,
} from '../../src/index';
import { expectClose, logSumExp, randMatrix, values } from '@ait/core/testing';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

const sum = (v: number[]): number => v.reduce((a, b) => a + b, 0);
const relu = (v: number): number => Math.max(v, 0);
const softplus = (v: number): number => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
const delta = [0.3, -0.2, 0.1, 0.5];

/** Each Lagrangian with a float64 reference of L for one sample (rows of 4 neurons; `all` uses every row). */
const cases: { name: string; make: () => Lagrangian; ref: (rows: number[][]) => number; convex: boolean }[] = [
  { name: 'identity', make: identityLagrangian, ref: (r) => sum(r.flat().map((v) => 0.5 * v * v)), convex: true },
  { name: 'relu', make: reluLagrangian, ref: (r) => sum(r.flat().map((v) => 0.5 * relu(v) ** 2)), convex: true },
  {
    name: 'rectified power 3',
    make: () => rectifiedPowerLagrangian(3),
    ref: (r) => sum(r.flat().map((v) => relu(v) ** 3 / 3)),
    convex: true,
  },
  { name: 'exp', make: () => expLagrangian(0.7), ref: (r) => sum(r.flat().map((v) => Math.exp(0.7 * v) / 0.7)), convex: true },
  {
    name: 'rectified exp',
    make: () => rectifiedExpLagrangian(1.5),
    ref: (r) => sum(r.flat().map((v) => Math.exp(1.5 * relu(v)) / 1.5 - relu(v))),
    convex: true,
  },
  { name: 'tanh', make: () => tanhLagrangian(2), ref: (r) => sum(r.flat().map((v) => Math.log(Math.cosh(2 * v)) / 2)), convex: true },
  {
    name: 'sigmoid',
    make: () => sigmoidLagrangian(1.3, 2),
    ref: (r) => sum(r.flat().map((v) => (2 / 1.3) * softplus(1.3 * v))),
    convex: true,
  },
  {
    name: 'softmax (last axis)',
    make: () => softmaxLagrangian({ beta: 1.7 }),
    ref: (r) => sum(r.map((row) => logSumExp(row.map((v) => 1.7 * v)) / 1.7)),
    convex: true,
  },
  {
    name: 'softmax (all axes)',
    make: () => softmaxLagrangian({ beta: 0.5, axes: 'all' }),
    ref: (r) => logSumExp(r.flat().map((v) => 0.5 * v)) / 0.5,
    convex: true,
  },
  {
    name: 'softmax with a zero logit',
    make: () => softmaxWithZeroLagrangian({ beta: 1.2 }),
    ref: (r) => sum(r.map((row) => logSumExp([0, ...row.map((v) => 1.2 * v)]) / 1.2)),
    convex: true,
  },
  {
    name: 'layer norm (gain, shift, eps)',
    make: () => layerNormLagrangian({ gamma: 1.4, delta: tf.tensor1d(delta), eps: 1e-3 }),
    ref: (r) =>
      sum(
        r.map((row) => {
          const mean = sum(row) / row.length;
          const variance = sum(row.map((v) => (v - mean) ** 2)) / row.length;
          return row.length * 1.4 * Math.sqrt(variance + 1e-3) + sum(row.map((v, i) => delta[i]! * v));
        }),
      ),
    convex: true,
  },
  {
    name: 'layer norm over all axes',
    make: () => layerNormLagrangian({ gamma: 0.8, axes: 'all' }),
    ref: (r) => {
      const all = r.flat();
      const mean = sum(all) / all.length;
      return all.length * 0.8 * Math.sqrt(sum(all.map((v) => (v - mean) ** 2)) / all.length + 1e-5);
    },
    convex: true,
  },
  {
    name: 'spherical',
    make: () => sphericalLagrangian({ gamma: 2, delta: 0.25 }),
    ref: (r) => sum(r.map((row) => 2 * Math.sqrt(sum(row.map((v) => v * v)) + 1e-5) + 0.25 * sum(row))),
    convex: true,
  },
  { name: 'gelu integral (not convex)', make: geluLagrangian, ref: (r) => sum(r.flat().map((v) => phi(v))), convex: false },
];

/** The GELU integral by Simpson's rule on gelu (float64), independent of the closed form. */
function phi(x: number): number {
  const erf = (z: number): number => {
    let term = z;
    let s = z;
    for (let n = 1; n < 120; n++) {
      term *= (-z * z) / n;
      s += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * s;
  };
  const gelu = (v: number): number => 0.5 * v * (1 + erf(v / Math.SQRT2));
  const n = 400;
  const h = x / n;
  let s = gelu(0) + gelu(x);
  for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * gelu(i * h);
  return (s * h) / 3;
}

describe('Lagrangians', () => {
  for (const c of cases) {
    it(`${c.name}: L matches float64, the analytic activation equals autodiff, E = x.g - L`, () => {
      const rng = new SeededRandom(c.name.length);
      const samples = [randMatrix(rng, 3, 4, 1.5), randMatrix(rng, 3, 4, 1.5)];
      const x = tf.tensor3d(samples);
      const lag = c.make();
      const L = lag.lagrangian(x);
      expect(L.shape).toEqual([2]);
      expectClose(values(L), samples.map(c.ref), { abs: 1e-4, rel: 1e-4 }, 'L');
      const analytic = lag.activation(x);
      const auto = tf.grad((v: tf.Tensor) => tf.sum(lag.lagrangian(v)))(x);
      expectClose(values(analytic), values(auto), { abs: 1e-4, rel: 1e-3 }, 'activation vs autodiff');
      const e = neuronEnergy(lag, x);
      expectClose(values(e), values(tf.sub(tf.sum(tf.mul(x, analytic), [1, 2]), L)), { abs: 1e-4, rel: 1e-4 }, 'energy');
    });
  }

  it('convex Lagrangians satisfy L(y) >= L(x) + g(x).(y - x); the GELU integral does not', () => {
    for (const c of cases.filter((k) => k.convex)) {
      const rng = new SeededRandom(7);
      let worst = Infinity;
      for (let t = 0; t < 10; t++) {
        const x = tf.tensor3d([randMatrix(rng, 3, 4, 2)]);
        const y = tf.tensor3d([randMatrix(rng, 3, 4, 2)]);
        const lag = c.make();
        const gap = tf.tidy(
          () => tf.sub(lag.lagrangian(y), tf.add(lag.lagrangian(x), tf.sum(tf.mul(lag.activation(x), tf.sub(y, x))))).dataSync()[0]!,
        );
        worst = Math.min(worst, gap);
      }
      expect(worst, c.name).toBeGreaterThan(-1e-3);
    }
    // Phi'' = gelu' < 0 below about -0.75: Phi is concave on [-3, -1.5]
    const gelu = geluLagrangian();
    const x = tf.fill([1, 1, 4], -1.5);
    const y = tf.fill([1, 1, 4], -3);
    const gap = tf.sub(gelu.lagrangian(y), tf.add(gelu.lagrangian(x), tf.sum(tf.mul(gelu.activation(x), tf.sub(y, x)))));
    expect(values(gap)[0]).toBeLessThan(0);
  });

  it('geluIntegral: Phi(0) = 0 and Phi equals the integral of gelu', () => {
    const xs = [-3, -1.2, -0.4, 0, 0.3, 1, 2.5];
    expectClose(values(geluIntegral(tf.tensor1d(xs))), xs.map(phi), { abs: 1e-5, rel: 1e-5 });
  });

  it('rejects bad parameters and states', () => {
    expect(() => expLagrangian(0)).toThrow(/beta must be/);
    expect(() => layerNormLagrangian({ gamma: -1 })).toThrow(/gamma must be a finite number > 0/);
    expect(() => softmaxLagrangian({ axes: 'first' as never })).toThrow(/axes must be 'last' or 'all'/);
    expect(() => identityLagrangian().lagrangian(tf.ones([4]))).toThrow(/\[batch, \.\.\.neurons\]/);
  });
});
