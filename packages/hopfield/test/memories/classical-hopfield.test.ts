import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '@ait/core';
import {
  ClassicalHopfield,
  classicalEnergy,
  classicalEnergyGradient,
  flipEntries,
  hebbianWeights,
  projectionWeights,
  randomBinaryPatterns,
  retrieve,
  synchronousLyapunov,
} from '../../src/index';
import { expectClose, expectNoLeak, matmul, randMatrix, transpose, useBackend, values } from '@ait/core/testing';
import { dot, expectDescentToFixedPoint, randSigns, solve, type M } from '../helpers';

useBackend('cpu');

function refHebbian(X: M, zeroDiagonal: boolean): M {
  const d = (X[0] as number[]).length;
  return Array.from({ length: d }, (_, i) =>
    Array.from({ length: d }, (_, j) => (zeroDiagonal && i === j ? 0 : X.reduce((s, x) => s + x[i]! * x[j]!, 0) / d)),
  );
}

/** W = X^T (X X^T)^-1 X, by solving the Gram system (independent of the incremental rule). */
function refProjection(X: M): M {
  return matmul(transpose(X), solve(matmul(X, transpose(X)), X));
}

const refEnergy = (s: readonly number[], W: M, theta: readonly number[] | null): number =>
  -0.5 *
    dot(
      s,
      W.map((row) => dot(row, s)),
    ) +
  (theta ? dot(theta, s) : 0);

describe('storage rules', () => {
  it('Hebbian weights equal (1/d) sum x x^T with and without the diagonal, shared and batched', () => {
    const rng = new SeededRandom(1);
    const X = randSigns(rng, 4, 6);
    const Y = randSigns(rng, 4, 6);
    expectClose(values(hebbianWeights(tf.tensor2d(X))), refHebbian(X, true).flat(), { abs: 1e-6 });
    expectClose(values(hebbianWeights(tf.tensor2d(X), { zeroDiagonal: false })), refHebbian(X, false).flat(), { abs: 1e-6 });
    const wb = hebbianWeights(tf.tensor3d([X, Y]));
    expect(wb.shape).toEqual([2, 6, 6]);
    expectClose(values(wb), [...refHebbian(X, true).flat(), ...refHebbian(Y, true).flat()], { abs: 1e-6 });
  });

  it('projection weights equal X^T (X X^T)^-1 X (Gram solve in float64), shared and batched', () => {
    const rng = new SeededRandom(2);
    const X = randSigns(rng, 7, 12);
    const Y = randMatrix(rng, 5, 12);
    expectClose(values(projectionWeights(tf.tensor2d(X))), refProjection(X).flat(), { abs: 2e-5 }, 'binary');
    const wb = projectionWeights(tf.tensor3d([Y, Y.map((r) => r.map((v) => -2 * v))]));
    expectClose(values(wb), [...refProjection(Y).flat(), ...refProjection(Y).flat()], { abs: 2e-5 }, 'batched');
  });

  it('a pattern in the span of earlier ones adds nothing to the projection', () => {
    const rng = new SeededRandom(3);
    const X = randMatrix(rng, 3, 8);
    const dependent = X[0]!.map((v, j) => 2 * v - X[1]![j]!);
    const w = values(projectionWeights(tf.tensor2d([...X, dependent])));
    expectClose(w, refProjection(X).flat(), { abs: 5e-5 });
  });
});

describe('classical energy', () => {
  it('equals -1/2 s^T W s + theta . s, and its analytic gradient equals autodiff', () => {
    const rng = new SeededRandom(4);
    const W0 = randMatrix(rng, 5, 5);
    const W = W0.map((r, i) => r.map((v, j) => (v + W0[j]![i]!) / 2));
    const theta = randMatrix(rng, 1, 5)[0]!;
    const S = randMatrix(rng, 3, 5);
    const e = classicalEnergy(tf.tensor2d(S), tf.tensor2d(W), tf.tensor1d(theta));
    expectClose(
      values(e),
      S.map((s) => refEnergy(s, W, theta)),
      { abs: 1e-5 },
    );
    const analytic = values(classicalEnergyGradient(tf.tensor2d(S), tf.tensor2d(W), tf.tensor1d(theta)));
    const auto = values(tf.grad((s: tf.Tensor) => tf.sum(classicalEnergy(s, tf.tensor2d(W), tf.tensor1d(theta))))(tf.tensor2d(S)));
    expectClose(analytic, auto, { abs: 1e-5 }, 'analytic vs autodiff');
    expectClose(
      analytic,
      S.flatMap((s) => W.map((row, i) => -dot(row, s) + theta[i]!)),
      { abs: 1e-5 },
      'analytic vs -Ws + theta',
    );
  });

  it('rejects bad weights and thresholds with messages naming the fix', () => {
    expect(() => classicalEnergy(tf.zeros([2, 3]), tf.zeros([3, 4]))).toThrow(/must be square/);
    expect(() => classicalEnergy(tf.zeros([2, 3]), tf.zeros([3, 3]), tf.zeros([4]))).toThrow(/thresholds must have shape \[3\]/);
    expect(() => classicalEnergy(tf.zeros([2, 4]), tf.zeros([3, 3]))).toThrow(/\[\.\.\., 3\]/);
    expect(() => new ClassicalHopfield(tf.zeros([2, 3]), { rule: 'oja' as never })).toThrow(/rule must be 'hebbian' or 'projection'/);
    expect(() => new ClassicalHopfield(tf.zeros([2, 3]), { update: 'parallel' as never })).toThrow(/update must be/);
  });
});

describe('ClassicalHopfield dynamics', () => {
  it('asynchronous sweeps never increase the energy and end in a fixed point (seeds, sizes, rules, thresholds)', async () => {
    for (let seed = 0; seed < 10; seed++) {
      const rng = new SeededRandom(200 + seed);
      const dim = 8 + rng.nextInt(40);
      const n = 1 + rng.nextInt(Math.floor(dim / 2));
      const rule = seed % 3 === 0 ? 'projection' : 'hebbian';
      const X = randomBinaryPatterns(seed % 2 ? [2, n, dim] : [n, dim], rng);
      const theta = seed % 4 === 1 ? tf.tensor1d(randMatrix(rng, 1, dim, 0.1)[0]!) : null;
      const mem = new ClassicalHopfield(X, { rule, thresholds: seed % 2 ? null : theta });
      const q = randomBinaryPatterns(seed % 2 ? [2, 4, dim] : [6, dim], rng);
      const r = await retrieve(q, mem, { steps: 50, eps: 0, rng });
      // the fixed point: every neuron agrees with the sign of its field (or sits on a tie)
      await expectDescentToFixedPoint(r, mem, rng, `seed ${seed}`, () => 1e-4);
      r.dispose();
      mem.dispose();
    }
  });

  it('synchronous updates never increase the two-step Lyapunov function and end in a fixed point or a 2-cycle', async () => {
    for (let seed = 0; seed < 6; seed++) {
      const rng = new SeededRandom(300 + seed);
      const dim = 10 + rng.nextInt(30);
      const X = randomBinaryPatterns([Math.ceil(dim / 3), dim], rng);
      const mem = new ClassicalHopfield(X, { update: 'synchronous' });
      let prev = randomBinaryPatterns([5, dim], rng);
      let cur = (await mem.step(prev, mem.associations(prev), { rng, step: 0 })).state;
      let lastL = values(synchronousLyapunov(prev, cur, mem.weights));
      const states = [prev, cur];
      for (let t = 0; t < 25; t++) {
        const next = (await mem.step(cur, mem.associations(cur), { rng, step: t })).state;
        const l = values(synchronousLyapunov(cur, next, mem.weights));
        l.forEach((v, i) => expect(v, `seed ${seed} t ${t}`).toBeLessThanOrEqual(lastL[i]! + 1e-4));
        lastL = l;
        prev = cur;
        cur = next;
        states.push(cur);
      }
      const last = values(states[states.length - 1]!);
      const twoBack = values(states[states.length - 3]!);
      expect(last).toEqual(twoBack);
    }
  });

  it('stored patterns are fixed points: projection rule up to dim / 2 patterns, Hebbian below dim / (2 ln dim)', async () => {
    const rng = new SeededRandom(5);
    const X = randomBinaryPatterns([40, 80], rng);
    const proj = new ClassicalHopfield(X, { rule: 'projection' });
    const step = await proj.step(X, proj.associations(X), { rng, step: 0 });
    expect(step.change).toBe(0);
    const H = randomBinaryPatterns([5, 100], rng);
    const hebb = new ClassicalHopfield(H, { update: 'synchronous' });
    const stepH = await hebb.step(H, hebb.associations(H), { rng, step: 0 });
    expect(stepH.change).toBe(0);
    proj.dispose();
    hebb.dispose();
  });

  it('capacity curve: recall from 10%-corrupted queries breaks down near 0.14 dim (dim 100, 12 networks per load)', async () => {
    const dim = 100;
    const trials = 12;
    const bitError: Record<string, number> = {};
    const exact: Record<string, number> = {};
    for (const alpha of [0.05, 0.1, 0.14, 0.2, 0.3]) {
      const rng = new SeededRandom(17);
      const n = Math.round(alpha * dim);
      const X = randomBinaryPatterns([trials, n, dim], rng);
      const q = flipEntries(X, 0.1, rng);
      const mem = new ClassicalHopfield(X);
      const r = await retrieve(q, mem, { steps: 40, eps: 0, rng });
      bitError[alpha] = tf.tidy(() => tf.mean(tf.cast(tf.notEqual(r.retrieved, X), 'float32')).dataSync()[0]!);
      exact[alpha] = tf.tidy(() => tf.mean(tf.cast(tf.all(tf.equal(r.retrieved, X), -1), 'float32')).dataSync()[0]!);
      r.dispose();
      mem.dispose();
      tf.dispose([X, q]);
    }
    // Amit-Gutfreund-Sompolinsky: retrieval states with < 1.5% wrong bits exist up to alpha_c = 0.138.
    expect(exact[0.05]).toBeGreaterThanOrEqual(0.95); // below dim / (2 ln dim) = 10.9 patterns: error-free
    expect(bitError[0.1]).toBeLessThan(0.01);
    expect(bitError[0.14]).toBeLessThan(0.05);
    expect(bitError[0.2]).toBeGreaterThan(0.05);
    expect(bitError[0.3]).toBeGreaterThan(0.15);
    expect(exact[0.3]).toBeLessThan(0.1);
    const curve = [0.05, 0.1, 0.14, 0.2, 0.3].map((a) => bitError[a]!);
    curve.slice(1).forEach((v, i) => expect(v).toBeGreaterThanOrEqual(curve[i]!));
  });

  it('fills in half-masked queries (entries set to 0) at low load', async () => {
    const rng = new SeededRandom(6);
    const X = randomBinaryPatterns([6, 100], rng);
    const mask = tf.tensor1d(Array.from({ length: 100 }, (_, i) => (i < 50 ? 1 : 0)));
    const q = tf.mul(X, mask);
    const r = await retrieve(q, new ClassicalHopfield(X), { steps: 20, eps: 0, rng });
    const exact = values(tf.cast(tf.all(tf.equal(r.retrieved, X), -1), 'float32'));
    expect(exact.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(5);
  });

  it('does not leak tensors', async () => {
    const rng = new SeededRandom(7);
    const X = randomBinaryPatterns([4, 20], rng);
    const q = flipEntries(X, 0.1, rng);
    const thresholds = tf.zeros([20]);
    await expectNoLeak(async () => {
      for (const update of ['asynchronous', 'synchronous'] as const) {
        const mem = new ClassicalHopfield(X, { update, rule: 'projection', thresholds });
        (await retrieve(q, mem, { steps: 3, rng })).dispose();
        tf.dispose([mem.energy(q), mem.energyGradient(q)]);
        mem.dispose();
      }
    });
  });
});
