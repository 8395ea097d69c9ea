// Set Transformer: MAB against a float64 reference; ISAB, PMA and SAB against MAB compositions;
// permutation invariance; presets, errors, serialisation, learning, tensor memory.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { type AitLayer, ConfigError, SeededRandom } from '@ait/core';
import { createModel, InducedSetAttentionBlock, MultiheadAttentionBlock, PoolingByMultiheadAttention } from '../../src/index';
import { affine, cube, expectClose, layerNormVec, randn, rows, softmaxVec, type M } from '../helpers/float64-ops';
import { expectPresetShapes, imageBatch, presetLearningTests, randomizeWeights } from '../helpers/model-checks';
import { useBackend } from '../helpers/backend';

useBackend('wasm', 5);

/** A MAB's weights as float64 arrays, looked up by name suffix (`<prefix>query/kernel`, ...). */
interface Mab64 {
  w: Record<string, M>;
  b: Record<string, number[]>;
  ln: boolean;
}

function mabWeights(layer: AitLayer, prefix: string): Mab64 {
  const byName = new Map(layer.weights.map((w) => [w.originalName.split('/').slice(-3).join('/'), w]));
  const get = (suffix: string): tf.Tensor => {
    const v = byName.get(`${prefix}/${suffix}`);
    if (!v) throw new Error(`no weight ${prefix}/${suffix} in ${[...byName.keys()].join(', ')}`);
    return v.read();
  };
  const w: Record<string, M> = {};
  const b: Record<string, number[]> = {};
  for (const n of ['query', 'key', 'value', 'output']) {
    const k = get(`${n}/kernel`);
    w[n] = rows(k.dataSync(), k.shape[0] as number, k.shape[1] as number);
    b[n] = Array.from(get(`${n}/bias`).dataSync());
  }
  const ln = byName.has(`${prefix}/norm0/gamma`);
  if (ln)
    for (const n of ['norm0', 'norm1']) {
      b[`${n}g`] = Array.from(get(`${n}/gamma`).dataSync());
      b[`${n}b`] = Array.from(get(`${n}/beta`).dataSync());
    }
  return { w, b, ln };
}

/** MAB(x, y) of one example: Q + per-head softmax(Q K^T / sqrt(dim)) V, LN, + relu(H Wo + bo), LN. */
function mab64(x: M, y: M, p: Mab64, heads: number): M {
  const q = affine(x, p.w.query as M, p.b.query);
  const k = affine(y, p.w.key as M, p.b.key);
  const v = affine(y, p.w.value as M, p.b.value);
  const dim = (q[0] as number[]).length;
  const dh = dim / heads;
  const h = q.map((qr) => [...qr]);
  for (let head = 0; head < heads; head++) {
    const cols = Array.from({ length: dh }, (_, j) => head * dh + j);
    q.forEach((qr, i) => {
      const a = softmaxVec(k.map((kr) => cols.reduce((s, c) => s + (qr[c] as number) * (kr[c] as number), 0) / Math.sqrt(dim)));
      for (const c of cols)
        (h[i] as number[])[c] = (qr[c] as number) + a.reduce((s, aj, j) => s + aj * ((v[j] as number[])[c] as number), 0);
    });
  }
  const eps = 1e-5;
  const n0 = p.ln ? h.map((r) => layerNormVec(r, p.b.norm0g as number[], p.b.norm0b as number[], eps)) : h;
  const ff = affine(n0, p.w.output as M, p.b.output).map((r) => r.map((x2) => Math.max(0, x2)));
  const o = n0.map((r, i) => r.map((x2, j) => x2 + ((ff[i] as number[])[j] as number)));
  return p.ln ? o.map((r) => layerNormVec(r, p.b.norm1g as number[], p.b.norm1b as number[], eps)) : o;
}

function randomize(layer: AitLayer, seed: number): void {
  layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.4, 'float32', seed + i)));
}

describe('Set Transformer blocks', () => {
  const B = 2;
  const N = 5;
  const DIN = 6;
  const DIM = 8;
  const HEADS = 2;
  const rng = new SeededRandom(3);
  const xs = randn(rng, B * N * DIN);
  const x64 = cube(xs, B, N, DIN);
  let x: tf.Tensor3D;
  beforeAll(() => {
    x = tf.tensor3d(xs, [B, N, DIN]);
  });

  for (const layerNorm of [true, false]) {
    it(`MAB(x, y) and SAB(x) equal the float64 reference (layerNorm ${layerNorm})`, () => {
      const ys = randn(rng, B * 3 * 4);
      const mab = new MultiheadAttentionBlock({ units: DIM, numHeads: HEADS, layerNorm, name: 'mab' });
      const out = mab.apply([x, tf.tensor3d(ys, [B, 3, 4])]) as tf.Tensor;
      randomize(mab, 10);
      const got = (mab.apply([x, tf.tensor3d(ys, [B, 3, 4])]) as tf.Tensor).dataSync();
      const p = mabWeights(mab, 'mab');
      const y64 = cube(ys, B, 3, 4);
      expect(out.shape).toEqual([B, N, DIM]);
      expectClose(
        got,
        x64.flatMap((xb, b) => mab64(xb, y64[b] as M, p, HEADS).flat()),
        { abs: 2e-5, rel: 2e-4 },
        'MAB',
      );
      expect(mab.lastAttentionWeights?.shape).toEqual([B, HEADS, N, 3]);
      const sab = new MultiheadAttentionBlock({ units: DIM, numHeads: HEADS, layerNorm, name: 'sab' });
      sab.apply(x);
      randomize(sab, 20);
      const ps = mabWeights(sab, 'sab');
      expectClose(
        (sab.apply(x) as tf.Tensor).dataSync(),
        x64.flatMap((xb) => mab64(xb, xb, ps, HEADS).flat()),
        { abs: 2e-5, rel: 2e-4 },
        'SAB',
      );
    });
  }

  it('ISAB(X) = MAB(X, MAB(I, X)) with the learned inducing points I', () => {
    const isab = new InducedSetAttentionBlock({ units: DIM, numHeads: HEADS, inducingPoints: 3, name: 'isab' });
    isab.apply(x);
    randomize(isab, 30);
    const points = isab.weights.find((w) => w.originalName.endsWith('inducing_points')) as { read(): tf.Tensor };
    const i64 = rows(points.read().dataSync(), 3, DIM);
    const p0 = mabWeights(isab, 'mab0');
    const p1 = mabWeights(isab, 'mab1');
    const expected = x64.flatMap((xb) => mab64(xb, mab64(i64, xb, p0, HEADS), p1, HEADS).flat());
    const r = isab.attend(x);
    expect(r.output.shape).toEqual([B, N, DIM]);
    expect(r.induced.shape).toEqual([B, HEADS, 3, N]);
    expect(r.attention.shape).toEqual([B, HEADS, N, 3]);
    expectClose(r.output.dataSync(), expected, { abs: 2e-5, rel: 2e-4 }, 'ISAB');
    expectClose((isab.apply(x) as tf.Tensor).dataSync(), expected, { abs: 2e-5, rel: 2e-4 }, 'ISAB call');
  });

  it('PMA_k(Z) = MAB(S, Z) with the learned seeds S', () => {
    const pma = new PoolingByMultiheadAttention({ units: DIM, numHeads: HEADS, seeds: 2, name: 'pma' });
    pma.apply(x);
    randomize(pma, 40);
    const seeds = pma.weights.find((w) => w.originalName.endsWith('/seeds')) as { read(): tf.Tensor };
    const s64 = rows(seeds.read().dataSync(), 2, DIM);
    const p = mabWeights(pma, 'mab');
    const y = pma.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([B, 2, DIM]);
    expectClose(
      y.dataSync(),
      x64.flatMap((xb) => mab64(s64, xb, p, HEADS).flat()),
      { abs: 2e-5, rel: 2e-4 },
      'PMA',
    );
  });
});

describe('Set Transformer model', () => {
  it('every preset gives logits [batch, classes]', () => {
    const counts = expectPresetShapes('set-transformer');
    expect(Object.keys(counts).sort()).toEqual(['set-transformer-mini', 'set-transformer-pointcloud', 'set-transformer-tiny']);
  });

  it('is invariant to the order of the patches without position embedding, and not with learned positions', () => {
    const { x } = imageBatch(2, 16, 3, 10, 7);
    // Swap the top-left and bottom-right 4x4 patches: the same set of patches in another order.
    const swapped = tf.tidy(() => {
      const a = tf.slice(x, [0, 0, 0, 0], [2, 4, 4, 3]);
      const b = tf.slice(x, [0, 12, 12, 0], [2, 4, 4, 3]);
      const buf = tf.buffer(x.shape, 'float32', x.dataSync().slice() as Float32Array);
      const av = a.arraySync() as number[][][][];
      const bv = b.arraySync() as number[][][][];
      for (let n = 0; n < 2; n++)
        for (let i = 0; i < 4; i++)
          for (let j = 0; j < 4; j++)
            for (let c = 0; c < 3; c++) {
              buf.set(bv[n]![i]![j]![c]!, n, i, j, c);
              buf.set(av[n]![i]![j]![c]!, n, 12 + i, 12 + j, c);
            }
      return buf.toTensor();
    });
    for (const [positionEmbedding, invariant] of [
      ['none', true],
      ['learned', false],
    ] as const) {
      const m = createModel('set-transformer-tiny', { positionEmbedding });
      (m.apply(x) as tf.Tensor).dispose();
      randomizeWeights(m, 50);
      const a = (m.apply(x) as tf.Tensor).dataSync();
      const b = (m.apply(swapped) as tf.Tensor).dataSync();
      const diff = Math.max(...Array.from(a).map((v, i) => Math.abs(v - (b[i] as number))));
      if (invariant) expect(diff).toBeLessThan(1e-4);
      else expect(diff).toBeGreaterThan(1e-3);
      m.dispose();
    }
  });

  it('records the attention maps', () => {
    const m = createModel('set-transformer-tiny', { recordMaps: true });
    (m.apply(tf.zeros([2, 16, 16, 3])) as tf.Tensor).dispose();
    const maps = m.internalMaps();
    expect(maps['encoder0/induced']?.shape).toEqual([2, 4, 8, 16]);
    expect(maps['encoder1/attention']?.shape).toEqual([2, 4, 16, 8]);
    expect(maps['pool/attention']?.shape).toEqual([2, 4, 2, 16]);
    expect(maps['decoder0/attention']?.shape).toEqual([2, 4, 2, 2]);
    const sab = createModel('set-transformer-tiny', { inducingPoints: null, recordMaps: true });
    (sab.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
    expect(sab.internalMaps()['encoder0/attention']?.shape).toEqual([1, 4, 16, 16]);
    m.dispose();
    sab.dispose();
  });

  it('reports configs and inputs that do not fit', () => {
    expect(() => createModel('set-transformer-tiny', { heads: 5 })).toThrow(ConfigError);
    expect(() => createModel('set-transformer-tiny', { heads: 5 })).toThrow(/heads: dim 96 must be divisible by heads 5/);
    expect(() => createModel('set-transformer-tiny', { dim: 0 })).toThrow(/dim/);
    const m = createModel('set-transformer-tiny', { imageSize: null });
    expect(() => m.apply(tf.zeros([1, 14, 16, 3]))).toThrow(/14x16 is not divisible by the patch size 4/);
    expect(() => m.apply([tf.zeros([1, 16, 16, 3]), tf.zeros([1, 18])])).toThrow(/no question input/);
  });

  presetLearningTests('set-transformer-tiny', { roundTrip: { data: 8, weights: 60 }, overfit: { globalSeed: 22, data: 9 }, leak: 10 });
});
