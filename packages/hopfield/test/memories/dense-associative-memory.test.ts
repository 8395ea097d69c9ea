import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '@ait/core';
import {
  ClassicalHopfield,
  DenseAssociativeMemory,
  denseEnergy,
  denseEnergyGradient,
  exponentialInteraction,
  flipEntries,
  maskEntries,
  polynomialInteraction,
  randomBinaryPatterns,
  rectifiedPolynomialInteraction,
  retrieve,
  type InteractionFunction,
} from '../../src/index';
import { expectClose, expectNoLeak, randMatrix, useBackend, values } from '@ait/core/testing';
import { dot, expectDescentToFixedPoint, randSigns, type M } from '../helpers';

useBackend('cpu');

const F: Record<string, { make: () => InteractionFunction; f: (z: number) => number; df: (z: number) => number }> = {
  polynomial3: { make: () => polynomialInteraction(3), f: (z) => z ** 3, df: (z) => 3 * z ** 2 },
  rectified2_5: {
    make: () => rectifiedPolynomialInteraction(2.5),
    f: (z) => (z > 0 ? z ** 2.5 : 0),
    df: (z) => (z > 0 ? 2.5 * z ** 1.5 : 0),
  },
  exponential: { make: () => exponentialInteraction(0.7), f: (z) => Math.exp(0.7 * z), df: (z) => 0.7 * Math.exp(0.7 * z) },
};

const exactFraction = (a: tf.Tensor, b: tf.Tensor): number =>
  tf.tidy(() => tf.mean(tf.cast(tf.all(tf.equal(a, b), -1), 'float32')).dataSync()[0]!);

describe('dense associative memory energy', () => {
  for (const [name, { make, f, df }] of Object.entries(F)) {
    it(`${name}: energy is -sum F(x . s); analytic gradient = -sum F'(x . s) x = autodiff`, () => {
      const rng = new SeededRandom(1);
      const X = randMatrix(rng, 5, 4, 0.7);
      const S = randMatrix(rng, 3, 4, 0.7);
      const inter = make();
      const e = denseEnergy(tf.tensor2d(S), tf.tensor2d(X), inter);
      expectClose(
        values(e),
        S.map((s) => -X.reduce((acc, x) => acc + f(dot(x, s)), 0)),
        { abs: 1e-5, rel: 1e-5 },
        'energy',
      );
      const refGrad = S.flatMap((s) => s.map((_, j) => -X.reduce((acc, x) => acc + df(dot(x, s)) * x[j]!, 0)));
      const analytic = values(denseEnergyGradient(tf.tensor2d(S), tf.tensor2d(X), inter));
      const auto = values(tf.grad((s: tf.Tensor) => tf.sum(denseEnergy(s, tf.tensor2d(X), inter)))(tf.tensor2d(S)));
      expectClose(analytic, refGrad, { abs: 1e-4, rel: 1e-4 }, 'analytic vs reference');
      expectClose(analytic, auto, { abs: 1e-4, rel: 1e-4 }, 'analytic vs autodiff');
    });
  }

  it('rejects bad interaction parameters', () => {
    expect(() => polynomialInteraction(2.5)).toThrow(/integer >= 1/);
    expect(() => rectifiedPolynomialInteraction(0.5)).toThrow(/>= 1/);
    expect(() => exponentialInteraction(0)).toThrow(/beta must be/);
    const mem = new DenseAssociativeMemory(tf.ones([2, 3]));
    expect(() => mem.withBeta(2)).toThrow(/polynomial interaction has no inverse temperature/);
    mem.dispose();
  });
});

describe('DenseAssociativeMemory dynamics', () => {
  it('asynchronous sweeps never increase the energy and end in a fixed point (seeds, sizes, every interaction)', async () => {
    const makers = [
      () => polynomialInteraction(2),
      () => polynomialInteraction(3),
      () => rectifiedPolynomialInteraction(3),
      () => exponentialInteraction(0.5),
    ];
    for (let seed = 0; seed < 12; seed++) {
      const rng = new SeededRandom(400 + seed);
      const dim = 6 + rng.nextInt(26);
      const n = 2 + rng.nextInt(3 * dim);
      const inter = makers[seed % makers.length]!();
      const batched = seed % 3 === 2;
      const X = randomBinaryPatterns(batched ? [2, n, dim] : [n, dim], rng);
      const q = randomBinaryPatterns(batched ? [2, 3, dim] : [5, dim], rng);
      const mem = new DenseAssociativeMemory(X, { interaction: inter });
      const r = await retrieve(q, mem, { steps: 60, eps: 0, rng });
      await expectDescentToFixedPoint(r, mem, rng, `seed ${seed} (${inter.name})`, (prev) => 1e-6 * Math.max(1, Math.abs(prev)));
      r.dispose();
      mem.dispose();
    }
  });

  it("synchronous update equals Krotov and Hopfield's parallel rule computed in float64", async () => {
    for (const [name, { make, f }] of Object.entries(F)) {
      const rng = new SeededRandom(2);
      const X: M = randSigns(rng, 9, 7);
      const S: M = randSigns(rng, 4, 7);
      const mem = new DenseAssociativeMemory(tf.tensor2d(X), { interaction: make(), update: 'synchronous' });
      const s = tf.tensor2d(S);
      const next = await mem.step(s, mem.associations(s), { rng, step: 0 });
      const expected = S.flatMap((st) =>
        st.map((si, i) => {
          const drive = X.reduce((acc, x) => {
            const rest = dot(x, st) - x[i]! * si;
            return acc + f(rest + x[i]!) - f(rest - x[i]!);
          }, 0);
          return drive > 0 ? 1 : drive < 0 ? -1 : si;
        }),
      );
      expect(values(next.state), name).toEqual(expected);
      mem.dispose();
    }
  });

  it('stored patterns are fixed points well beyond the classical load (dim 32, 64 patterns, degree 4)', async () => {
    // Krotov-Hopfield error-free capacity ~ dim^(n-1) / (2 (2n-3)!! ln dim) = 315 patterns for n = 4, dim = 32.
    const rng = new SeededRandom(3);
    const X = randomBinaryPatterns([64, 32], rng);
    const mem = new DenseAssociativeMemory(X, { interaction: polynomialInteraction(4) });
    expect((await mem.step(X, mem.associations(X), { rng, step: 0 })).change).toBe(0);
    const classical = new ClassicalHopfield(X);
    expect((await classical.step(X, classical.associations(X), { rng, step: 0 })).change).toBe(2);
  });

  it('recalls far more patterns than dim: cubic at 2 dim from 10% flips, exponential at 8 dim from half-masked queries', async () => {
    const rng = new SeededRandom(4);
    const X = randomBinaryPatterns([128, 64], rng);
    const q = flipEntries(X, 0.1, rng);
    const cubic = await retrieve(q, new DenseAssociativeMemory(X), { steps: 20, eps: 0, rng });
    const classical = await retrieve(q, new ClassicalHopfield(X), { steps: 20, eps: 0, rng });
    expect(exactFraction(cubic.retrieved, X)).toBeGreaterThan(0.85);
    expect(exactFraction(classical.retrieved, X)).toBeLessThan(0.05);

    const Y = randomBinaryPatterns([256, 32], rng);
    const half = maskEntries(Y, 0.5, rng);
    const expo = await retrieve(half, new DenseAssociativeMemory(Y, { interaction: exponentialInteraction(1) }), {
      steps: 10,
      eps: 0,
      rng,
    });
    expect(exactFraction(expo.retrieved, Y)).toBeGreaterThan(0.9);
    expect(expo.steps).toBeLessThanOrEqual(3);
  });

  it('exponential updates stay finite where the energy would overflow, and withBeta changes the temperature', async () => {
    const rng = new SeededRandom(5);
    const X = randomBinaryPatterns([20, 200], rng);
    const q = flipEntries(X, 0.2, rng);
    const mem = new DenseAssociativeMemory(X, { interaction: exponentialInteraction(1) });
    for (const update of ['asynchronous', 'synchronous'] as const) {
      const m = new DenseAssociativeMemory(X, { interaction: exponentialInteraction(1), update });
      const r = await retrieve(q, m, { steps: 3, recordEnergies: false, rng });
      expect(exactFraction(r.retrieved, X), update).toBe(1);
    }
    const cooler = mem.withBeta(0.01);
    expect(cooler.beta).toBe(0.01);
    expect(mem.beta).toBe(1);
    expectClose(values(cooler.energy(X)), values(denseEnergy(X, X, exponentialInteraction(0.01))), { rel: 1e-5 });
  });

  it('does not leak tensors', async () => {
    const rng = new SeededRandom(6);
    const X = randomBinaryPatterns([6, 12], rng);
    const q = flipEntries(X, 0.2, rng);
    await expectNoLeak(async () => {
      for (const update of ['asynchronous', 'synchronous'] as const) {
        const mem = new DenseAssociativeMemory(X, { update, interaction: exponentialInteraction(0.5) });
        (await retrieve(q, mem, { steps: 3, rng })).dispose();
        (await retrieve(q, mem, { steps: 2, rng, beta: 2 })).dispose();
        tf.dispose([mem.energy(q), mem.energyGradient(q)]);
        mem.dispose();
      }
    });
  });
});
