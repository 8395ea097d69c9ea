import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  ACTIVATION_NAMES,
  applyActivation,
  Dense,
  FeedForward,
  gelu,
  LayerNorm,
  layerNorm,
  linear,
  SeededRandom,
  setGlobalSeed,
  type ActivationName,
} from '../../src/index';
import {
  affine,
  expectClose,
  expectFiniteDiffGradients,
  finiteDiff,
  flat,
  gelu64,
  layerNormRow,
  nest,
  randn,
  useBackend,
} from '../../testing/index';
import { type N2 } from './naive-reference';

useBackend('cpu');

describe('gelu', () => {
  const xs = [-4, -3, -2.5, -1, -0.5, -0.1, 0, 0.1, 0.5, 1, 1.7, 2.5, 3, 4];

  it.each(['none', 'tanh'] as const)('matches the float64 formula (approximate = %s)', (approx) => {
    const y = gelu(tf.tensor1d(xs), approx).dataSync();
    expectClose(
      y,
      xs.map((x) => gelu64(x, approx)),
      { abs: 2e-6, rel: 1e-5 },
      `gelu ${approx}`,
    );
  });

  it('the two forms differ (the exact form is not the tanh one)', () => {
    const a = gelu(tf.tensor1d([1.5]), 'none').dataSync()[0] as number;
    const b = gelu(tf.tensor1d([1.5]), 'tanh').dataSync()[0] as number;
    expect(Math.abs(a - gelu64(1.5, 'none'))).toBeLessThan(1e-6);
    expect(Math.abs(a - b)).toBeGreaterThan(1e-5);
  });

  it.each(['none', 'tanh'] as const)('has a gradient matching float64 finite differences (approximate = %s)', (approx) => {
    const g = tf
      .grad((x: tf.Tensor) => tf.sum(gelu(x, approx)))(tf.tensor1d(xs))
      .dataSync();
    const fd = xs.map((x) => finiteDiff((p) => gelu64(p[0] as number, approx), [x])[0] as number);
    expectClose(g, fd, { abs: 1e-5, rel: 1e-4 }, `gelu' ${approx}`);
  });
});

describe('layerNorm', () => {
  const rng = new SeededRandom(5);
  const rows = 3;
  const dim = 5;
  const xv = randn(rng, rows * dim, 2).map((v, i) => v + (i % dim));
  const gv = randn(rng, dim).map((v) => 1 + 0.3 * v);
  const bv = randn(rng, dim, 0.5);

  it('matches the float64 formula with and without gamma/beta', () => {
    const x = tf.tensor2d(xv, [rows, dim]);
    for (const eps of [1e-5, 1e-6, 0.1]) {
      const ref = (nest(xv, [rows, dim]) as N2).flatMap((r) => layerNormRow(r, gv, bv, eps));
      expectClose(layerNorm(x, tf.tensor1d(gv), tf.tensor1d(bv), eps).dataSync(), ref, { abs: 1e-5, rel: 1e-4 }, `eps ${eps}`);
    }
    const plain = (nest(xv, [rows, dim]) as N2).flatMap((r) => layerNormRow(r, null, null, 1e-5));
    expectClose(layerNorm(x).dataSync(), plain, { abs: 1e-5, rel: 1e-4 }, 'no affine');
  });

  it('has gradients w.r.t. x, gamma and beta matching float64 finite differences', () => {
    const R = randn(rng, rows * dim);
    const eps = 1e-3;
    const loss = (p: number[]): number => {
      const x = nest(p.slice(0, rows * dim), [rows, dim]) as N2;
      const g = p.slice(rows * dim, rows * dim + dim);
      const b = p.slice(rows * dim + dim);
      return x.flatMap((r) => layerNormRow(r, g, b, eps)).reduce((a, v, i) => a + v * (R[i] as number), 0);
    };
    const grads = tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(layerNorm(x, g, b, eps), tf.tensor2d(R, [rows, dim]))),
    )([tf.tensor2d(xv, [rows, dim]), tf.tensor1d(gv), tf.tensor1d(bv)]);
    expectFiniteDiffGradients(grads, loss, [...xv, ...gv, ...bv], { abs: 1e-4, rel: 1e-3 }, 'layerNorm grads');
  });

  it('LayerNorm layer: gamma/beta weights, epsilon, center/scale switches and [..., dim] of any rank', () => {
    const ln = new LayerNorm({ epsilon: 1e-6 });
    const x = tf.tensor3d(xv, [1, rows, dim]);
    ln.apply(x);
    expect(ln.weights.map((w) => w.originalName.split('/').pop())).toEqual(['gamma', 'beta']);
    ln.setWeights([tf.tensor1d(gv), tf.tensor1d(bv)]);
    const ref = (nest(xv, [rows, dim]) as N2).flatMap((r) => layerNormRow(r, gv, bv, 1e-6));
    expectClose((ln.apply(x) as tf.Tensor).dataSync(), ref, { abs: 1e-5, rel: 1e-4 }, 'layer');
    const noAffine = new LayerNorm({ center: false, scale: false });
    noAffine.apply(x);
    expect(noAffine.weights).toHaveLength(0);
    expect(() => ln.apply(tf.zeros([2, 4]))).toThrow(/the last dimension of the input must be 5, got shape \[2, 4\]/);
    expect(() => new LayerNorm({ epsilon: -1 })).toThrow(/Invalid LayerNorm config[\s\S]*epsilon/);
  });
});

describe('linear / Dense', () => {
  const rng = new SeededRandom(6);

  it('linear over [..., in] equals x W + b and has the analytic gradient', () => {
    const xv = randn(rng, 2 * 3 * 4);
    const wv = randn(rng, 4 * 5);
    const bv = randn(rng, 5);
    const y = linear(tf.tensor3d(xv, [2, 3, 4]), tf.tensor2d(wv, [4, 5]), tf.tensor1d(bv));
    expect(y.shape).toEqual([2, 3, 5]);
    const ref = affine(nest(xv, [6, 4]) as N2, nest(wv, [4, 5]) as N2, bv);
    expectClose(y.dataSync(), flat(ref), { abs: 1e-5, rel: 1e-5 }, 'linear');
    const R = randn(rng, 6 * 5);
    const loss = (p: number[]): number =>
      flat(affine(nest(p.slice(0, 24), [6, 4]) as N2, nest(p.slice(24, 44), [4, 5]) as N2, p.slice(44))).reduce(
        (a, v, i) => a + v * (R[i] as number),
        0,
      );
    const grads = tf.grads((x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(linear(x, w, b), tf.tensor3d(R, [2, 3, 5]))))([
      tf.tensor3d(xv, [2, 3, 4]),
      tf.tensor2d(wv, [4, 5]),
      tf.tensor1d(bv),
    ]);
    expectFiniteDiffGradients(grads, loss, [...xv, ...wv, ...bv], { abs: 1e-4, rel: 1e-4 }, 'linear grads');
  });

  it('Dense applies the activation, works on rank 2..4, and is seeded by setGlobalSeed', () => {
    setGlobalSeed(12);
    const d1 = new Dense({ units: 3, activation: 'relu' });
    const x = tf.tensor2d(randn(rng, 2 * 4), [2, 4]);
    const y1 = (d1.apply(x) as tf.Tensor).dataSync();
    expect(Array.from(y1).every((v) => v >= 0)).toBe(true);
    setGlobalSeed(12);
    const d2 = new Dense({ units: 3, activation: 'relu' });
    expect(Array.from((d2.apply(x) as tf.Tensor).dataSync())).toEqual(Array.from(y1));
    expect((d2.apply(tf.zeros([2, 2, 2, 4])) as tf.Tensor).shape).toEqual([2, 2, 2, 3]);
    setGlobalSeed(13);
    const d3 = new Dense({ units: 3, activation: 'relu' });
    d3.apply(x);
    expect(Array.from(d3.getWeights()[0]!.dataSync())).not.toEqual(Array.from(d2.getWeights()[0]!.dataSync()));
    const tn = new Dense({ units: 64, kernelInitializer: 'truncatedNormal' });
    tn.apply(tf.zeros([1, 64]));
    const k = Array.from(tn.getWeights()[0]!.dataSync());
    const std = Math.sqrt(k.reduce((a, v) => a + v * v, 0) / k.length);
    expect(std).toBeGreaterThan(0.012);
    expect(std).toBeLessThan(0.022);
    expect(Math.max(...k.map(Math.abs))).toBeLessThanOrEqual(0.04 + 1e-6);
  });

  it('applyActivation computes every named activation as its float64 formula', () => {
    const xs = [-3, -1.2, -0.3, 0, 0.4, 1.5, 2.7];
    const formulas: Record<ActivationName, (v: number) => number> = {
      linear: (v) => v,
      gelu: (v) => gelu64(v),
      geluTanh: (v) => gelu64(v, 'tanh'),
      relu: (v) => Math.max(v, 0),
      tanh: Math.tanh,
      sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      softplus: (v) => Math.log1p(Math.exp(v)),
      elu: (v) => (v > 0 ? v : Math.expm1(v)),
    };
    expect(Object.keys(formulas).sort()).toEqual([...ACTIVATION_NAMES].sort());
    for (const name of ACTIVATION_NAMES) {
      expectClose(applyActivation(tf.tensor1d(xs), name).dataSync(), xs.map(formulas[name]), { abs: 1e-5, rel: 1e-5 }, name);
    }
  });

  it('Dense reports a wrong last dimension and a bad config clearly', () => {
    const d = new Dense({ units: 3, name: 'head' });
    d.apply(tf.zeros([2, 4]));
    expect(() => d.apply(tf.zeros([2, 5]))).toThrow(/Dense 'head': the last dimension of the input must be 4, got shape \[2, 5\]/);
    expect(() => new Dense({ units: 0 })).toThrow(/Invalid Dense config[\s\S]*units/);
    expect(() => new Dense({ units: 2, activation: 'swish' as never })).toThrow(/activation/);
    expect(() => new Dense({ units: 2, unit: 3 } as never)).toThrow(/Unrecognized key/);
  });
});

describe('FeedForward', () => {
  it('equals Dense -> GELU -> Dense with its own weights', () => {
    setGlobalSeed(1);
    const rng = new SeededRandom(2);
    const ff = new FeedForward({ hiddenDim: 6, dropout: 0.3 });
    const xv = randn(rng, 2 * 3 * 4);
    const y = ff.apply(tf.tensor3d(xv, [2, 3, 4])) as tf.Tensor;
    expect(y.shape).toEqual([2, 3, 4]);
    const [k1, b1, k2, b2] = ff.getWeights().map((w) => w.arraySync()) as [N2, number[], N2, number[]];
    const h = affine(nest(xv, [6, 4]) as N2, k1, b1).map((r) => r.map((v) => gelu64(v)));
    expectClose(y.dataSync(), flat(affine(h, k2, b2)), { abs: 1e-5, rel: 1e-4 }, 'feed-forward');
    expect(ff.weights.map((w) => w.originalName.split('/').slice(1).join('/'))).toEqual([
      'fc1/kernel',
      'fc1/bias',
      'fc2/kernel',
      'fc2/bias',
    ]);
    const wide = new FeedForward({ hiddenDim: 6, outputDim: 2, activation: 'relu' });
    expect((wide.apply(tf.zeros([1, 4])) as tf.Tensor).shape).toEqual([1, 2]);
  });
});
