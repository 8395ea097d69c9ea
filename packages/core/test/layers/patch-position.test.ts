import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  addPositionEmbedding,
  LearnedPositionEmbedding,
  PatchEmbedding,
  patchify,
  SeededRandom,
  setGlobalSeed,
  SinusoidalPositionEmbedding2d,
  sinusoidalPositionEmbedding2d,
} from '../../src/index';
import { affine, expectClose, finiteDiff, flat, layerNormRow, nest, randn, useBackend } from '../../testing/index';
import { type N2 } from './naive-reference';

useBackend('cpu');

/** Pixel value that encodes its coordinates: b*1000 + y*100 + x*10 + c. */
const code = (b: number, y: number, x: number, c: number): number => b * 1000 + y * 100 + x * 10 + c;

/** Naive patchify in float64 on a flat [B, H, W, C] array. */
function naivePatchify(img: readonly number[], B: number, H: number, W: number, C: number, P: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < B; b++)
    for (let i = 0; i < H / P; i++)
      for (let j = 0; j < W / P; j++)
        for (let r = 0; r < P; r++)
          for (let c = 0; c < P; c++)
            for (let ch = 0; ch < C; ch++) out.push(img[((b * H + i * P + r) * W + j * P + c) * C + ch] as number);
  return out;
}

describe('patchify', () => {
  const B = 2;
  const H = 4;
  const W = 6;
  const C = 3;
  const P = 2;
  const img: number[] = [];
  for (let b = 0; b < B; b++)
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let c = 0; c < C; c++) img.push(code(b, y, x, c));

  it('orders patches row-major and features as (row * P + col) * C + channel', () => {
    const t = patchify(tf.tensor4d(img, [B, H, W, C]), P);
    expect(t.shape).toEqual([B, (H / P) * (W / P), P * P * C]);
    const arr = t.arraySync();
    for (let b = 0; b < B; b++)
      for (let i = 0; i < H / P; i++)
        for (let j = 0; j < W / P; j++)
          for (let r = 0; r < P; r++)
            for (let c = 0; c < P; c++)
              for (let ch = 0; ch < C; ch++) {
                const token = i * (W / P) + j;
                const feature = (r * P + c) * C + ch;
                expect(arr[b]![token]![feature]).toBe(code(b, i * P + r, j * P + c, ch));
              }
    // a spot check written out by hand: image 1, patch (1, 2) = token 5, pixel (1, 0), channel 2
    expect(arr[1]![5]![(1 * 2 + 0) * 3 + 2]).toBe(1000 + 3 * 100 + 4 * 10 + 2);
  });

  it('has the permutation gradient (finite differences of the float64 reference)', () => {
    const rng = new SeededRandom(1);
    const x = randn(rng, B * H * W * C);
    const R = randn(rng, B * 6 * P * P * C);
    const fd = finiteDiff((p) => naivePatchify(p, B, H, W, C, P).reduce((a, v, i) => a + v * (R[i] as number), 0), x);
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(patchify(t, P), tf.tensor3d(R, [B, 6, P * P * C]))))(tf.tensor4d(x, [B, H, W, C]));
    expectClose(g.dataSync(), fd, { abs: 1e-6, rel: 1e-5 }, 'patchify grad');
  });

  it('rejects images whose size is not a multiple of the patch, and wrong ranks', () => {
    expect(() => patchify(tf.zeros([1, 5, 6, 3]), 2)).toThrow(/image size 5x6 .* is not divisible by the patch size 2/);
    expect(() => patchify(tf.zeros([5, 6, 3]), 2)).toThrow(/images must have rank 4 \[batch, height, width, channels\], got rank 3/);
  });
});

describe('PatchEmbedding', () => {
  it('equals patchify -> LayerNorm(P*P*C) -> Dense -> LayerNorm(D) with its own weights', () => {
    setGlobalSeed(3);
    const rng = new SeededRandom(3);
    const layer = new PatchEmbedding({ patchSize: 2, embedDim: 5, epsilon: 1e-6 });
    const img = randn(rng, 1 * 4 * 4 * 2);
    const x = tf.tensor4d(img, [1, 4, 4, 2]);
    layer.apply(x);
    expect(layer.weights.map((w) => w.originalName.split('/').slice(1).join('/'))).toEqual([
      'norm_in/gamma',
      'norm_in/beta',
      'proj/kernel',
      'proj/bias',
      'norm_out/gamma',
      'norm_out/beta',
    ]);
    layer.setWeights(layer.getWeights().map((w, i) => tf.add(w, tf.mul(0.1 * (i + 1), tf.randomNormal(w.shape, 0, 1, 'float32', i)))));
    const [g1, b1, k, b, g2, b2] = layer.getWeights().map((w) => w.arraySync()) as [number[], number[], N2, number[], number[], number[]];
    const tokens = nest(naivePatchify(img, 1, 4, 4, 2, 2), [4, 8]) as N2;
    const ref = affine(
      tokens.map((t) => layerNormRow(t, g1, b1, 1e-6)),
      k,
      b,
    ).map((t) => layerNormRow(t, g2, b2, 1e-6));
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 4, 5]);
    expectClose(y.dataSync(), flat(ref), { abs: 1e-5, rel: 1e-4 }, 'patch embedding');
  });

  it('switches the norms off and reports indivisible images and wrong channels', () => {
    const plain = new PatchEmbedding({ patchSize: 2, embedDim: 3, preNorm: false, postNorm: false, name: 'stem' });
    plain.apply(tf.zeros([1, 4, 4, 3]));
    expect(plain.weights.map((w) => w.originalName.split('/').slice(1).join('/'))).toEqual(['proj/kernel', 'proj/bias']);
    expect(() => plain.apply(tf.zeros([1, 4, 5, 3]))).toThrow(/PatchEmbedding 'stem': image size 4x5 is not divisible by the patch size 2/);
    expect(() => plain.apply(tf.zeros([1, 4, 4, 1]))).toThrow(/the last dimension of images must be 3/);
    expect(() => plain.apply(tf.zeros([4, 4, 3]))).toThrow(/images must have rank 4/);
  });
});

describe('sinusoidal 2-D position embedding', () => {
  it('matches the formula at chosen positions: rows in the first half, columns in the second', () => {
    const gh = 3;
    const gw = 4;
    const dim = 8;
    const t = sinusoidalPositionEmbedding2d(gh, gw, dim);
    expect(t.shape).toEqual([12, 8]);
    const arr = t.arraySync();
    const q = dim / 4;
    for (const [row, col] of [
      [0, 0],
      [1, 2],
      [2, 3],
    ] as const) {
      const token = row * gw + col;
      for (let i = 0; i < q; i++) {
        const omega = 1 / Math.pow(10000, i / q);
        expect(arr[token]![i]).toBeCloseTo(Math.sin(row * omega), 6);
        expect(arr[token]![q + i]).toBeCloseTo(Math.cos(row * omega), 6);
        expect(arr[token]![2 * q + i]).toBeCloseTo(Math.sin(col * omega), 6);
        expect(arr[token]![3 * q + i]).toBeCloseTo(Math.cos(col * omega), 6);
      }
    }
    // hand-written: token (1, 2), dim 8: omega = [1, 0.01]
    expect(arr[6]).toEqual(
      [Math.sin(1), Math.sin(0.01), Math.cos(1), Math.cos(0.01), Math.sin(2), Math.sin(0.02), Math.cos(2), Math.cos(0.02)].map((v) =>
        Math.fround(v),
      ),
    );
    expect(() => sinusoidalPositionEmbedding2d(2, 2, 6)).toThrow(/dim must be divisible by 4/);
  });

  it('the layer adds the table after the prefix tokens and checks the token count', () => {
    const layer = new SinusoidalPositionEmbedding2d({ gridHeight: 2, gridWidth: 2, prefixTokens: 1, name: 'pos' });
    const x = tf.ones([2, 5, 4]);
    const y = (layer.apply(x) as tf.Tensor).arraySync() as number[][][];
    const table = sinusoidalPositionEmbedding2d(2, 2, 4).arraySync();
    expect(y[1]![0]).toEqual([1, 1, 1, 1]);
    for (let t = 0; t < 4; t++)
      expectClose(
        y[1]![t + 1]!,
        table[t]!.map((v) => v + 1),
        { abs: 1e-6 },
        `token ${t}`,
      );
    expect(layer.weights).toHaveLength(0);
    expect(() => layer.apply(tf.ones([2, 4, 4]))).toThrow(
      /SinusoidalPositionEmbedding2d 'pos': the input \[2, 4, 4\] has 4 tokens, expected 5/,
    );
    expect(() => layer.apply(tf.ones([2, 5, 6]))).toThrow(/divisible by 4/);
  });
});

describe('learned position embedding', () => {
  it('adds the first `tokens` rows of a truncated-normal table and rejects too many tokens', () => {
    setGlobalSeed(8);
    const layer = new LearnedPositionEmbedding({ maxTokens: 6, name: 'pos' });
    const x = tf.zeros([2, 4, 3]);
    const y = layer.apply(x) as tf.Tensor;
    const table = layer.getWeights()[0]!;
    expect(table.shape).toEqual([6, 3]);
    expect(layer.weights[0]!.originalName).toBe('pos/embeddings');
    const tv = table.arraySync() as N2;
    expect((y.arraySync() as number[][][])[1]).toEqual(tv.slice(0, 4));
    expect(Math.max(...flat(tv).map(Math.abs))).toBeLessThanOrEqual(0.04 + 1e-6);
    expect(flat(tv).some((v) => v !== 0)).toBe(true);
    expect(() => layer.apply(tf.zeros([2, 7, 3]))).toThrow(
      /LearnedPositionEmbedding 'pos': the input \[2, 7, 3\] has 7 tokens but the table holds only 6/,
    );
    expect(() => layer.apply(tf.zeros([2, 4, 2]))).toThrow(/the last dimension of the input must be 3/);
    expect(() => addPositionEmbedding(tf.zeros([1, 3, 2]), tf.zeros([2, 2]))).toThrow(/has 3 tokens but the position table only has 2/);
  });
});
