import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom, setGlobalSeed } from '@ait/core';
import { HopfieldRead, hopfieldReconstruction } from '../../src/index';
import { Hopfield } from '@ait/hopfield';
import { expectClose, matmul, softmax, toMat, transpose, type Mat } from './float64-reference';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

const B = 2;
const N = 3;
const M = 4;
const D = 6;

function data(seed: number, n: number): number[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: n }, () => rng.normal());
}

/** `steps` updates `state <- softmax(beta state keys^T) keys`, the last one averaging `values` instead. */
function iterate(state: Mat, keys: Mat, values: Mat, beta: number, steps: number): Mat {
  let s = state;
  for (let i = 0; i < steps; i++) {
    const target = i === steps - 1 ? values : keys;
    s = matmul(
      matmul(s, transpose(keys)).map((row) => softmax(row.map((v) => v * beta))),
      target,
    );
  }
  return s;
}

describe('Hopfield reconstruction', () => {
  it('iterates R <- softmax(beta R G^T) G (shared and per-image patterns)', () => {
    const z = data(1, B * N * D);
    const g = data(2, M * D);
    const gb = data(3, B * M * D);
    const shared = hopfieldReconstruction(tf.tensor3d(z, [B, N, D]), tf.tensor2d(g, [M, D]), { beta: 0.5, steps: 3 });
    const batched = hopfieldReconstruction(tf.tensor3d(z, [B, N, D]), tf.tensor3d(gb, [B, M, D]), { beta: 0.5, steps: 3 });
    const expShared: number[] = [];
    const expBatched: number[] = [];
    for (let b = 0; b < B; b++) {
      const zb = toMat(z.slice(b * N * D), N, D);
      const G = toMat(g, M, D);
      const Gb = toMat(gb.slice(b * M * D), M, D);
      expShared.push(...iterate(zb, G, G, 0.5, 3).flat());
      expBatched.push(...iterate(zb, Gb, Gb, 0.5, 3).flat());
    }
    expectClose(shared.dataSync(), expShared, 1e-5, 'shared');
    expectClose(batched.dataSync(), expBatched, 1e-5, 'batched');
  });

  it('shared patterns are differentiable (gradient matches central finite differences)', () => {
    const z = tf.tensor3d(data(4, B * N * D), [B, N, D]);
    const g0 = data(5, M * D);
    const f = (g: tf.Tensor): tf.Scalar => tf.sum(tf.square(hopfieldReconstruction(z, g, { beta: 0.8 })));
    const grad = tf
      .grad(f)(tf.tensor2d(g0, [M, D]))
      .dataSync();
    for (const i of [0, 7, 23]) {
      const h = 1e-2;
      const at = (delta: number): number => {
        const g = g0.slice();
        g[i] = (g[i] as number) + delta;
        return f(tf.tensor2d(g, [M, D])).dataSync()[0] as number;
      };
      expect(grad[i]).toBeCloseTo((at(h) - at(-h)) / (2 * h), 2);
    }
  });

  it("learned projections: the read is @ait/hopfield's Hopfield layer with the priors as stored patterns and projection", () => {
    setGlobalSeed(9);
    const heads = 2;
    const read = new HopfieldRead({ projections: true, numHeads: heads, headDim: 3, steps: 2, beta: 0.7 });
    const z = tf.tensor3d(data(6, B * N * D), [B, N, D]);
    const g = tf.tensor2d(data(7, M * D), [M, D]);
    const res = read.apply([z, g]) as tf.Tensor;
    expect(res.shape).toEqual([B, N, D]);
    expect(read.weights.every((w) => w.originalName.includes('hopfield/'))).toBe(true);
    // An independently configured layer with the same weights, called with
    // [stored = G per image, state = Z, projection = G per image], gives the same output.
    const reference = new Hopfield({ numHeads: heads, hiddenSize: 3, scaling: 0.7, updateStepsMax: 1 });
    const gb = tf.broadcastTo(tf.expandDims(g, 0), [B, M, D]);
    (reference.apply([gb, z, gb]) as tf.Tensor).dispose();
    reference.setWeights(read.getWeights());
    expectClose(res.dataSync(), (reference.apply([gb, z, gb]) as tf.Tensor).dataSync(), 1e-6, 'projected read');
    const { associations } = read.read(z, g, { withAssociations: true });
    expect(associations?.shape).toEqual([B, heads, N, M]);
    const rowSum = Array.from(associations?.dataSync().slice(0, M) ?? []).reduce((a, b) => a + b, 0);
    expect(rowSum).toBeCloseTo(1, 5);
  });
});
