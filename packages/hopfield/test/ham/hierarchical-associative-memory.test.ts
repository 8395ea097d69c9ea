import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, SeededRandom } from '@ait/core';
import {
  biasSynapse,
  convSynapse,
  denseSynapse,
  expLagrangian,
  HierarchicalAssociativeMemory,
  identityLagrangian,
  layerNormLagrangian,
  maskEntries,
  neuronLayer,
  randomBinaryPatterns,
  rectifiedExpLagrangian,
  reluLagrangian,
  sigmoidLagrangian,
  softmaxLagrangian,
  softmaxWithZeroLagrangian,
  sphericalLagrangian,
  tanhLagrangian,
  type HamStates,
  type Lagrangian,
} from '../../src/index';
import { expectClose, expectNoLeak, finiteDiff, randMatrix, values } from '@ait/core/testing';
import { dot } from '../helpers';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

describe('synapses', () => {
  it('dense synapse with bias: E = -(gA W + b) . gB in float64; analytic gradients equal autodiff', () => {
    const rng = new SeededRandom(1);
    const W = randMatrix(rng, 6, 4);
    const b = randMatrix(rng, 1, 4)[0]!;
    const A = randMatrix(rng, 2, 6);
    const B = randMatrix(rng, 2, 4);
    const syn = denseSynapse(tf.tensor2d(W), { bias: tf.tensor1d(b) });
    // layer A is [batch, 2, 3] (flattened to 6 neurons)
    const gA = tf.tensor3d(A.map((r) => [r.slice(0, 3), r.slice(3)]));
    const gB = tf.tensor2d(B);
    const e = syn.energy([gA, gB]);
    const ref = A.map(
      (a, s) =>
        -dot(
          B[s]!.map(
            (_, j) =>
              dot(
                a,
                W.map((row) => row[j]!),
              ) + b[j]!,
          ),
          B[s]!,
        ),
    );
    expectClose(values(e), ref, { abs: 1e-5 });
    const [da, db] = syn.gradients!([gA, gB]);
    const [ada, adb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(syn.energy([x, y])))([gA, gB]);
    expect(da!.shape).toEqual([2, 2, 3]);
    expectClose(values(da!), values(ada!), { abs: 1e-5 }, 'dE/dgA');
    expectClose(values(db!), values(adb!), { abs: 1e-5 }, 'dE/dgB');
    const plain = denseSynapse(tf.tensor2d(W));
    expect(plain.kind).toBe('dense');
    expect(() => plain.energy([gB, gB])).toThrow(/connect 6 to 4 neurons/);
  });

  it('bias synapse: E = -b . g, gradient -b', () => {
    const syn = biasSynapse(tf.tensor1d([1, -2, 0.5]));
    const g = tf.tensor2d([
      [1, 1, 1],
      [0, 2, -2],
    ]);
    expectClose(values(syn.energy([g])), [0.5, 5], { abs: 1e-6 });
    expectClose(values(syn.gradients!([g])[0]!), [-1, 2, -0.5, -1, 2, -0.5], { abs: 1e-6 });
  });

  it('convolutional synapse: energy equals a float64 convolution; autodiff gradients match finite differences', () => {
    const rng = new SeededRandom(2);
    const H = 4;
    const Wd = 5;
    const cin = 2;
    const cout = 3;
    const K = Array.from({ length: 2 * 2 * cin * cout }, () => rng.normal());
    const gin = Array.from({ length: H * Wd * cin }, () => rng.normal());
    const outH = 2;
    const outW = 2;
    const gout = Array.from({ length: outH * outW * cout }, () => rng.normal());
    const kernel = tf.tensor4d(K, [2, 2, cin, cout]);
    const syn = convSynapse(kernel, { strides: 2 });
    const ref = (input: number[]): number => {
      let e = 0;
      for (let i = 0; i < outH; i++)
        for (let j = 0; j < outW; j++)
          for (let o = 0; o < cout; o++) {
            let s = 0;
            for (let a = 0; a < 2; a++)
              for (let b = 0; b < 2; b++)
                for (let c = 0; c < cin; c++)
                  s += input[((2 * i + a) * Wd + 2 * j + b) * cin + c]! * K[((a * 2 + b) * cin + c) * cout + o]!;
            e -= s * gout[(i * outW + j) * cout + o]!;
          }
      return e;
    };
    const tin = tf.tensor4d(gin, [1, H, Wd, cin]);
    const tout = tf.tensor4d(gout, [1, outH, outW, cout]);
    expectClose(values(syn.energy([tin, tout])), [ref(gin)], { abs: 1e-4 });
    expect(syn.gradients).toBeUndefined();
    const [dIn] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(syn.energy([a, b])))([tin, tout]);
    expectClose(values(dIn!), finiteDiff(ref, gin, 1e-6), { abs: 1e-3 }, 'dE/dg_in');
    expect(() => syn.energy([tin, tf.zeros([1, 3, 3, cout])])).toThrow(/match the layer shape to the kernel/);
  });
});

/** A random two- or three-layer HAM with the given Lagrangians and dense synapses (plus a bias). */
function randomHam(rng: SeededRandom, lags: Lagrangian[], sizes: number[], scale: number): HierarchicalAssociativeMemory {
  const neurons = lags.map((l, i) => neuronLayer(`layer${i}`, [sizes[i]!], l, { tau: 1 + i * 0.5 }));
  const synapses = [];
  for (let i = 0; i + 1 < lags.length; i++) {
    synapses.push({
      synapse: denseSynapse(tf.tensor2d(randMatrix(rng, sizes[i]!, sizes[i + 1]!, scale))),
      layers: [`layer${i}`, `layer${i + 1}`],
    });
  }
  synapses.push({ synapse: biasSynapse(tf.tensor1d(randMatrix(rng, 1, sizes[0]!, scale)[0]!)), layers: ['layer0'] });
  return new HierarchicalAssociativeMemory({ neurons, synapses });
}

describe('HierarchicalAssociativeMemory', () => {
  it('analytic and autodiff gradients of the total energy agree', () => {
    const rng = new SeededRandom(3);
    const ham = randomHam(rng, [identityLagrangian(), softmaxLagrangian({ beta: 2 }), tanhLagrangian()], [5, 4, 3], 0.7);
    const states = ham.initStates(2, { scale: 1, rng });
    const a = ham.activationGradients(states, 'analytic');
    const b = ham.activationGradients(states, 'autodiff');
    for (const k of Object.keys(a)) expectClose(values(a[k]!), values(b[k]!), { abs: 1e-5 }, k);
  });

  it('energy descent never increases the energy at small step sizes (seeds, sizes, every convex Lagrangian)', () => {
    const lagrangians: (() => Lagrangian)[] = [
      identityLagrangian,
      reluLagrangian,
      () => expLagrangian(0.5),
      () => rectifiedExpLagrangian(0.5),
      () => tanhLagrangian(1.5),
      () => sigmoidLagrangian(2),
      () => softmaxLagrangian({ beta: 1.5 }),
      () => softmaxWithZeroLagrangian(),
      () => layerNormLagrangian({ gamma: 1.2, eps: 1e-2 }),
      () => sphericalLagrangian({ eps: 1e-2 }),
    ];
    for (let seed = 0; seed < 10; seed++) {
      const rng = new SeededRandom(500 + seed);
      const depth = 2 + rng.nextInt(2);
      const lags = Array.from({ length: depth }, (_, i) => lagrangians[(seed + 3 * i) % lagrangians.length]!());
      const sizes = Array.from({ length: depth }, () => 2 + rng.nextInt(6));
      const ham = randomHam(rng, lags, sizes, 0.5);
      const states = ham.initStates(3, { scale: 0.5, rng });
      const run = ham.descend(states, { steps: 25, stepSize: 0.02 });
      const e = run.energies!.arraySync() as number[][];
      for (let t = 1; t < e.length; t++) {
        e[t]!.forEach((v, i) =>
          expect(v, `seed ${seed} (${lags.map((l) => l.name).join('-')}) step ${t}`).toBeLessThanOrEqual(e[t - 1]![i]! + 1e-5),
        );
      }
      expect(e[e.length - 1]![0]!).toBeLessThan(e[0]![0]!);
      run.dispose();
    }
  });

  it('a two-layer HAM (identity visible, softmax hidden, patterns as the synapse) recalls a stored pattern from a half-masked one', () => {
    const rng = new SeededRandom(4);
    const dim = 32;
    const n = 20;
    const X = randomBinaryPatterns([n, dim], rng);
    const ham = new HierarchicalAssociativeMemory({
      neurons: [
        neuronLayer('visible', [dim], identityLagrangian()),
        neuronLayer('memory', [n], softmaxLagrangian({ beta: 1 }), { tau: 0.1 }),
      ],
      synapses: [{ synapse: denseSynapse(tf.transpose(X)), layers: ['visible', 'memory'] }],
    });
    const query = maskEntries(tf.slice(X, [0, 0], [4, dim]), 0.5, rng);
    const states: HamStates = { visible: query, memory: tf.zeros([4, n]) };
    const run = ham.descend(states, { steps: 120, stepSize: 0.05 });
    const recalled = run.states.visible!;
    const target = tf.slice(X, [0, 0], [4, dim]);
    expect(values(tf.all(tf.equal(tf.sign(recalled), target), -1))).toEqual([1, 1, 1, 1]);
    const e = values(tf.slice(run.energies!, [120, 0], [1, 4]));
    expect(Math.max(...e)).toBeLessThan(Math.min(...values(tf.slice(run.energies!, [0, 0], [1, 4]))));
  });

  it('clamped layers stay fixed; conv synapses descend through autodiff', () => {
    const rng = new SeededRandom(5);
    const ham = new HierarchicalAssociativeMemory({
      neurons: [neuronLayer('image', [4, 4, 1], identityLagrangian()), neuronLayer('features', [3, 3, 2], reluLagrangian())],
      synapses: [{ synapse: convSynapse(tf.randomNormal([2, 2, 1, 2], 0, 0.5, 'float32', 3)), layers: ['image', 'features'] }],
    });
    const states = ham.initStates(2, { scale: 1, rng });
    const run = ham.descend(states, { steps: 10, stepSize: 0.05, clamped: ['image'] });
    expectClose(values(run.states.image!), values(states.image!), { abs: 0 }, 'clamped');
    const e = values(run.energies!);
    expect(e[e.length - 2]! < e[0]! && e[e.length - 1]! < e[1]!).toBe(true);
    expect(() => ham.activationGradients(states, 'analytic')).toThrow(/without analytic gradients \(conv\)/);
  });

  it('rejects bad graphs and states, and does not leak tensors', async () => {
    const lag = identityLagrangian();
    expect(
      () => new HierarchicalAssociativeMemory({ neurons: [neuronLayer('a', [2], lag), neuronLayer('a', [3], lag)], synapses: [] }),
    ).toThrow(/unique/);
    expect(
      () =>
        new HierarchicalAssociativeMemory({
          neurons: [neuronLayer('a', [2], lag)],
          synapses: [{ synapse: biasSynapse(tf.ones([2])), layers: ['b'] }],
        }),
    ).toThrow(/names layer 'b', which does not exist/);
    expect(() => neuronLayer('x', [0], lag)).toThrow(/positive integers/);
    const rng = new SeededRandom(6);
    const ham = randomHam(rng, [identityLagrangian(), softmaxLagrangian()], [3, 2], 1);
    expect(() => ham.energy({ layer0: tf.zeros([2, 3]) })).toThrow(/no state for layer 'layer1'/);
    expect(() => ham.energy({ layer0: tf.zeros([2, 4]), layer1: tf.zeros([2, 2]) })).toThrow(/needs states \[batch, 3\]/);
    const states = ham.initStates(2, { scale: 1, rng });
    await expectNoLeak(() => {
      ham.descend(states, { steps: 3 }).dispose();
      tf.dispose(Object.values(ham.activationGradients(states, 'autodiff')));
      tf.dispose(ham.energy(states));
    });
  });
});
