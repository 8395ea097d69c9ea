import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '@ait/core';
import {
  energy,
  hopfieldIterate,
  hopfieldUpdate,
  maskEntries,
  ModernHopfield,
  modernHopfieldEnergy,
  modernHopfieldEnergyGradient,
  randomBinaryPatterns,
  retrieve,
} from '../../src/index';
import { expectClose, expectNoLeak, finiteDiff, logSumExp, randMatrix, softmaxRow, useBackend, values } from '@ait/core/testing';
import { dot, rows, type M } from '../helpers';

useBackend('cpu');

/** Float64 reference of the Ramsauer energy for one state. */
function refEnergy(xi: readonly number[], patterns: M, beta: number): number {
  const lse = logSumExp(patterns.map((x) => beta * dot(x, xi))) / beta;
  const maxNormSq = Math.max(...patterns.map((x) => dot(x, x)));
  return -lse + 0.5 * dot(xi, xi) + Math.log(patterns.length) / beta + 0.5 * maxNormSq;
}

/** Float64 reference of one update `softmaxRow(beta X xi)^T X`. */
function refUpdate(xi: readonly number[], patterns: M, beta: number, vals: M = patterns): number[] {
  const w = softmaxRow(patterns.map((x) => beta * dot(x, xi)));
  return (vals[0] as number[]).map((_, j) => w.reduce((s, wi, i) => s + wi * ((vals[i] as number[])[j] as number), 0));
}

describe('modern Hopfield energy', () => {
  it('equals a float64 computation of -lse + 1/2 |xi|^2 + ln N / beta + 1/2 M^2, shared and batched', () => {
    const rng = new SeededRandom(1);
    const X = randMatrix(rng, 5, 4);
    const S = randMatrix(rng, 6, 4);
    const beta = 0.7;
    const e = modernHopfieldEnergy(tf.tensor3d([S.slice(0, 3), S.slice(3)]), tf.tensor2d(X), beta);
    expect(e.shape).toEqual([2, 3]);
    expectClose(
      values(e),
      S.map((s) => refEnergy(s, X, beta)),
      { abs: 1e-4, rel: 1e-5 },
      'shared',
    );
    const X2 = randMatrix(rng, 5, 4);
    const eb = modernHopfieldEnergy(tf.tensor2d(S.slice(0, 2)), tf.tensor3d([X, X2]), beta);
    expect(eb.shape).toEqual([2]);
    expectClose(values(eb), [refEnergy(S[0]!, X, beta), refEnergy(S[1]!, X2, beta)], { abs: 1e-4, rel: 1e-5 }, 'batched');
    expect(Math.min(...values(e))).toBeGreaterThanOrEqual(0);
  });

  it('analytic gradient = autodiff = finite differences of the float64 energy', () => {
    const rng = new SeededRandom(2);
    const X = randMatrix(rng, 6, 5);
    const S = randMatrix(rng, 3, 5, 0.8);
    const beta = 1.3;
    const analytic = values(modernHopfieldEnergyGradient(tf.tensor2d(S), tf.tensor2d(X), beta));
    const auto = values(tf.grad((s: tf.Tensor) => tf.sum(modernHopfieldEnergy(s, tf.tensor2d(X), beta)))(tf.tensor2d(S)));
    const fd = S.flatMap((s) => finiteDiff((v) => refEnergy(v, X, beta), s, 1e-5));
    expectClose(analytic, auto, { abs: 1e-5, rel: 1e-4 }, 'analytic vs autodiff');
    expectClose(analytic, fd, { abs: 1e-4, rel: 1e-3 }, 'analytic vs finite differences');
  });

  it('energy() on a tensor uses the modern memory with the given beta', () => {
    const rng = new SeededRandom(3);
    const X = randMatrix(rng, 4, 3);
    const s = randMatrix(rng, 1, 3)[0]!;
    expectClose(values(energy(tf.tensor1d(s), tf.tensor2d(X), { beta: 2 })), [refEnergy(s, X, 2)], { abs: 1e-4 });
    expectClose(values(energy(tf.tensor1d(s), tf.tensor2d(X))), [refEnergy(s, X, 1 / Math.sqrt(3))], { abs: 1e-4 });
  });
});

describe('hopfieldUpdate / hopfieldIterate (the AiT memory read)', () => {
  it('hopfieldUpdate equals softmaxRow(beta Z G^T) G for shared and batched patterns, and with values', () => {
    const rng = new SeededRandom(4);
    const Z = [randMatrix(rng, 3, 4), randMatrix(rng, 3, 4)];
    const G = randMatrix(rng, 5, 4);
    const V = randMatrix(rng, 5, 2);
    const out = hopfieldUpdate(tf.tensor3d(Z), tf.tensor2d(G), { beta: 0.9 });
    expect(out.shape).toEqual([2, 3, 4]);
    expectClose(
      values(out),
      Z.flatMap((zb) => zb.flatMap((z) => refUpdate(z, G, 0.9))),
      { abs: 1e-5 },
      'shared',
    );
    const G2 = randMatrix(rng, 5, 4);
    const outB = hopfieldUpdate(tf.tensor3d(Z), tf.tensor3d([G, G2]), { beta: 0.9 });
    const expectedB = [...Z[0]!.flatMap((z) => refUpdate(z, G, 0.9)), ...Z[1]!.flatMap((z) => refUpdate(z, G2, 0.9))];
    expectClose(values(outB), expectedB, { abs: 1e-5 }, 'batched');
    const outV = hopfieldUpdate(tf.tensor3d(Z), tf.tensor2d(G), { beta: 0.9, values: tf.tensor2d(V) });
    expect(outV.shape).toEqual([2, 3, 2]);
    expectClose(
      values(outV),
      Z.flatMap((zb) => zb.flatMap((z) => refUpdate(z, G, 0.9, V))),
      { abs: 1e-5 },
      'values',
    );
    const outDefault = hopfieldUpdate(tf.tensor3d(Z), tf.tensor2d(G));
    expectClose(
      values(outDefault),
      Z.flatMap((zb) => zb.flatMap((z) => refUpdate(z, G, 0.5))),
      { abs: 1e-5 },
      'default beta',
    );
  });

  it('gradients with respect to state and (shared or batched) patterns match finite differences', () => {
    const rng = new SeededRandom(5);
    const Z = [randMatrix(rng, 2, 3), randMatrix(rng, 2, 3)];
    const G = randMatrix(rng, 4, 3);
    const G2 = randMatrix(rng, 4, 3);
    const C = [randMatrix(rng, 2, 3), randMatrix(rng, 2, 3)];
    const beta = 1.1;
    const loss = (z: M[], g: M[]): number =>
      z.reduce((s, zb, b) => s + zb.reduce((t, zi, i) => t + dot(refUpdate(zi, g[b]!, beta), C[b]![i]!), 0), 0);
    const split = (v: number[]): M[] => [rows(v.slice(0, 6), 3), rows(v.slice(6), 3)];
    const [gz, gg] = tf.grads((z: tf.Tensor, g: tf.Tensor) => tf.sum(tf.mul(hopfieldUpdate(z, g, { beta }), tf.tensor3d(C))))([
      tf.tensor3d(Z),
      tf.tensor2d(G),
    ]);
    expectClose(
      values(gz!),
      finiteDiff((v) => loss(split(v), [G, G]), Z.flat(2), 1e-5),
      { abs: 1e-4, rel: 1e-3 },
      'dZ',
    );
    expectClose(
      values(gg!),
      finiteDiff((v) => loss(Z, [rows(v, 3), rows(v, 3)]), G.flat(), 1e-5),
      { abs: 1e-4, rel: 1e-3 },
      'dG shared',
    );
    const [, gb] = tf.grads((z: tf.Tensor, g: tf.Tensor) => tf.sum(tf.mul(hopfieldUpdate(z, g, { beta }), tf.tensor3d(C))))([
      tf.tensor3d(Z),
      tf.tensor3d([G, G2]),
    ]);
    expectClose(
      values(gb!),
      finiteDiff((v) => loss(Z, [rows(v.slice(0, 12), 3), rows(v.slice(12), 3)]), [...G.flat(), ...G2.flat()], 1e-5),
      { abs: 1e-4, rel: 1e-3 },
      'dG batched',
    );
  });

  it('hopfieldIterate repeats the update, stops at eps and reports the weights that produced the result', () => {
    const rng = new SeededRandom(6);
    const G = randMatrix(rng, 6, 4, 2);
    const z0 = randMatrix(rng, 1, 4)[0]!;
    const beta = 0.4;
    const three = hopfieldIterate(tf.tensor3d([[z0]]), tf.tensor2d(G), { beta, steps: 3, eps: 0 });
    expect(three.steps).toBe(3);
    const z1 = refUpdate(z0, G, beta);
    const z2 = refUpdate(z1, G, beta);
    const z3 = refUpdate(z2, G, beta);
    expectClose(values(three.retrieved), z3, { abs: 1e-4 }, 'three steps');
    expectClose(values(three.associations), softmaxRow(G.map((x) => beta * dot(x, z2))), { abs: 1e-5 }, 'producing weights');
    const loose = hopfieldIterate(tf.tensor3d([[z0]]), tf.tensor2d(G), { beta, steps: 50, eps: 1e-3 });
    expect(loose.steps).toBeGreaterThan(1);
    expect(loose.steps).toBeLessThan(50);
    const one = hopfieldIterate(tf.tensor3d([[z0]]), tf.tensor2d(G), { beta });
    expect(one.steps).toBe(1);
    expectClose(values(one.retrieved), z1, { abs: 1e-5 }, 'default one step');
    expect(() => hopfieldIterate(tf.tensor3d([[z0]]), tf.tensor2d(G), { steps: 0 })).toThrow(/steps must be an integer >= 1/);
  });

  it('rejects mismatched shapes with a message naming the fix', () => {
    expect(() => hopfieldUpdate(tf.zeros([2, 3, 4]), tf.zeros([5, 3]))).toThrow(/must have the state's width 4/);
    expect(() => hopfieldUpdate(tf.zeros([2, 3, 4]), tf.zeros([3, 5, 4]))).toThrow(/batch size 2; give shared patterns/);
    expect(() => hopfieldUpdate(tf.zeros([3, 4]), tf.zeros([5, 4]))).toThrow(/rank 3 \[batch, tokens, dim\]/);
    expect(() => hopfieldUpdate(tf.zeros([1, 3, 4]), tf.zeros([5, 4]), { beta: -1 })).toThrow(/beta/);
  });
});

describe('ModernHopfield memory and retrieve', () => {
  it('energy never increases along retrieval (seeds, sizes, betas, shared and batched patterns)', async () => {
    for (let seed = 0; seed < 12; seed++) {
      const rng = new SeededRandom(100 + seed);
      const dim = 2 + rng.nextInt(12);
      const n = 1 + rng.nextInt(20);
      const beta = 0.05 + 4 * rng.next();
      const batched = seed % 2 === 1;
      const X = batched ? tf.tensor3d([randMatrix(rng, n, dim, 2), randMatrix(rng, n, dim, 2)]) : tf.tensor2d(randMatrix(rng, n, dim, 2));
      const q = batched ? tf.tensor3d([randMatrix(rng, 3, dim, 3), randMatrix(rng, 3, dim, 3)]) : tf.tensor2d(randMatrix(rng, 5, dim, 3));
      const r = await retrieve(q, X, { beta, steps: 8, eps: 0 });
      const e = r.energies.arraySync() as number[][][] | number[][];
      const traj = (e as unknown[]).map((row) => (row as unknown[]).flat(2) as number[]);
      for (let t = 1; t < traj.length; t++) {
        traj[t]!.forEach((v, i) => {
          const prev = traj[t - 1]![i]!;
          expect(v, `seed ${seed} step ${t} entry ${i}`).toBeLessThanOrEqual(prev + 1e-5 * Math.max(1, Math.abs(prev)));
        });
      }
      r.dispose();
      tf.dispose([X, q]);
    }
  });

  it('stored patterns are fixed points when they are well separated', async () => {
    const rng = new SeededRandom(7);
    const X = randomBinaryPatterns([40, 32], rng);
    const mem = new ModernHopfield(X, { beta: 1 });
    const r = await retrieve(X, mem, { steps: 5 });
    expect(r.steps).toBe(1);
    expect(r.converged).toBe(true);
    expectClose(values(r.retrieved), values(X), { abs: 1e-5 }, 'fixed points');
    const grad = mem.energyGradient(X);
    // exp(-beta * (32 - largest competitor overlap)) is ~1e-6 here, so the gradient is that small, not 0.
    expect(Math.max(...values(tf.abs(grad)))).toBeLessThan(1e-4);
    r.dispose();
    mem.dispose();
  });

  it('recalls far more patterns than dim from half-masked queries in one or two steps (512 patterns, dim 64)', async () => {
    const rng = new SeededRandom(8);
    const n = 512;
    const X = randomBinaryPatterns([n, 64], rng);
    const q = maskEntries(X, 0.5, rng);
    const r = await retrieve(q, X, { beta: 1, steps: 3 });
    const winners = values(tf.argMax(r.associations, -1));
    const correct = winners.filter((w, i) => w === i).length / n;
    // A competitor's overlap is N(0, 32) against the target's 32: P(error) ~ 512 * 8e-9 per query.
    expect(correct).toBeGreaterThanOrEqual(0.99);
    expect(r.steps).toBeLessThanOrEqual(2);
    const err = Math.max(...values(tf.abs(tf.sub(r.retrieved, X))));
    expect(err).toBeLessThan(1e-3);
    r.dispose();
  });

  it('retrieve: energies per step, steps 0, beta override, convergence flag, and no tensor leaks', async () => {
    const rng = new SeededRandom(9);
    const X = tf.tensor2d(randMatrix(rng, 6, 4));
    const q = tf.tensor2d(randMatrix(rng, 3, 4));
    await expectNoLeak(async () => {
      const r = await retrieve(q, X, { beta: 0.3, steps: 4, eps: 0 });
      expect(r.energies.shape).toEqual([5, 3]);
      expect(r.retrieved.shape).toEqual([3, 4]);
      expect(r.associations.shape).toEqual([3, 6]);
      expect(r.steps).toBe(4);
      expect(r.converged).toBe(false);
      r.dispose();
      const r0 = await retrieve(q, X, { steps: 0 });
      expect(r0.energies.shape).toEqual([1, 3]);
      expectClose(values(r0.retrieved), values(q));
      r0.dispose();
      const mem = new ModernHopfield(X, { beta: 0.3 });
      const a = await retrieve(q, mem, { beta: 2, steps: 1 });
      const b = await retrieve(q, X, { beta: 2, steps: 1 });
      expectClose(values(a.retrieved), values(b.retrieved), { abs: 1e-6 }, 'beta override');
      const noRecord = await retrieve(q, mem, { steps: 3, recordEnergies: false });
      expect(noRecord.energies.shape).toEqual([1, 3]);
      tf.dispose([a.retrieved, a.associations, a.energies]);
      b.dispose();
      noRecord.dispose();
      mem.dispose();
    }, 'retrieve');
    await expect(retrieve(q, X, { steps: -1 })).rejects.toThrow(/steps must be an integer >= 0/);
    await expect(retrieve(tf.zeros([3, 5]), X)).rejects.toThrow(/\[\.\.\., 4\]/);
  });
});

describe('failing calls leave no tensor behind', () => {
  it('a bad beta (NaN, 0, negative) to ModernHopfield or retrieve', async () => {
    const patterns = tf.tensor2d([
      [1, -1, 1],
      [-1, 1, 1],
    ]);
    const query = tf.tensor2d([[1, 1, 1]]);
    for (const beta of [Number.NaN, 0, -1]) {
      await expectNoLeak(async () => {
        expect(() => new ModernHopfield(patterns, { beta })).toThrow(/beta/);
        await expect(retrieve(query, patterns, { beta, steps: 2 })).rejects.toThrow(/beta/);
      }, `beta ${beta}`);
    }
    tf.dispose([patterns, query]);
  });
});
