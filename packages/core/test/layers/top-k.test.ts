import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom, setGlobalSeed, TopKAttention, topKAttention, topKGate, topKSoftmax } from '../../src/index';
import { affine, expectClose, expectFiniteDiffGradients, finiteDiff, flat, nest, randn, softmaxRow, useBackend } from '../../testing/index';
import { headSlice, topKAttentionHead, topKSoftmaxRow, type N2, type N3 } from './naive-reference';

useBackend('cpu');

describe('topKSoftmax', () => {
  const rng = new SeededRandom(21);

  it('keeps exactly k entries per row, summing to 1, equal to a sorted reference', () => {
    const rows = 5;
    const cols = 9;
    const k = 3;
    const vals = randn(rng, rows * cols, 2);
    const { weights, gate } = topKSoftmax(tf.tensor2d(vals, [rows, cols]), k);
    const w = weights.arraySync() as N2;
    const g = gate.arraySync() as N2;
    for (let r = 0; r < rows; r++) {
      const row = vals.slice(r * cols, (r + 1) * cols);
      const ref = topKSoftmaxRow(row, k);
      expect(g[r]).toEqual(ref.gate);
      expect((w[r] as number[]).filter((x) => x !== 0).length).toBe(k);
      expect((w[r] as number[]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expectClose(w[r] as number[], ref.weights, { abs: 1e-7, rel: 1e-5 }, `row ${r}`);
      // every entry outside the gate is exactly zero
      (g[r] as number[]).forEach((gi, c) => {
        if (gi === 0) expect((w[r] as number[])[c]).toBe(0);
      });
    }
  });

  it('breaks ties like tf.topk (lower index first) and handles leading axes', () => {
    const vals = [
      [1, 3, 3, 2, 3, 0],
      [0, 0, 0, 0, 0, 0],
      [5, -1, 5, 5, -1, 4],
    ];
    const x = tf.tensor3d([vals, vals.map((r) => r.map((v) => -v))], [2, 3, 6]);
    const { weights, gate } = topKSoftmax(x, 2);
    const g = gate.arraySync() as number[][][];
    expect(g[0]).toEqual([
      [0, 1, 1, 0, 0, 0],
      [1, 1, 0, 0, 0, 0],
      [1, 0, 1, 0, 0, 0],
    ]);
    for (let b = 0; b < 2; b++)
      for (let r = 0; r < 3; r++) {
        const row = (b === 0 ? vals[r] : (vals[r] as number[]).map((v) => -v)) as number[];
        expect((g[b] as N2)[r]).toEqual(topKSoftmaxRow(row, 2).gate);
      }
    expectClose(flat((weights.arraySync() as N3)[0]![1]), [0.5, 0.5, 0, 0, 0, 0], { abs: 1e-7 }, 'tied row');
  });

  it('equals the plain softmax when k >= cols', () => {
    const vals = randn(rng, 4 * 5);
    const x = tf.tensor2d(vals, [4, 5]);
    for (const k of [5, 9]) {
      const { weights, gate } = topKSoftmax(x, k);
      expectClose(weights.dataSync(), tf.softmax(x).dataSync(), { abs: 1e-7 }, `k=${k}`);
      expect(Array.from(gate.dataSync()).every((v) => v === 1)).toBe(true);
    }
    const ref = [0, 1, 2, 3].flatMap((r) => softmaxRow(vals.slice(r * 5, r * 5 + 5)));
    expectClose(topKSoftmax(x, 5).weights.dataSync(), ref, { abs: 1e-7, rel: 1e-5 }, 'vs float64');
  });

  it('passes gradients to the kept logits only, matching float64 finite differences', () => {
    const rows = 3;
    const cols = 7;
    const k = 3;
    const logits = randn(rng, rows * cols, 1.5);
    const R = randn(rng, rows * cols);
    const loss = (p: number[]): number => {
      let s = 0;
      for (let r = 0; r < rows; r++) {
        const { weights } = topKSoftmaxRow(p.slice(r * cols, (r + 1) * cols), k);
        weights.forEach((w, c) => (s += w * (R[r * cols + c] as number)));
      }
      return s;
    };
    const fd = finiteDiff(loss, logits);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(topKSoftmax(x, k).weights, tf.tensor2d(R, [rows, cols]))))(
      tf.tensor2d(logits, [rows, cols]),
    );
    expectClose(g.dataSync(), fd, { abs: 1e-5, rel: 1e-3 }, 'd loss / d logits');
    // dropped entries get exactly zero gradient, kept ones non-zero
    const gate = topKGate(tf.tensor2d(logits, [rows, cols]), k).dataSync();
    g.dataSync().forEach((v, i) => (gate[i] === 0 ? expect(v).toBe(0) : expect(Math.abs(v)).toBeGreaterThan(0)));
  });

  it('handles the AiT shape (32 slots x 32768 tokens, k = 512) with gradients and no leaked tensors', () => {
    const rows = 32;
    const cols = 32768;
    const k = 512;
    const logits = tf.randomNormal([rows, cols], 0, 1, 'float32', 5);
    const R = tf.randomNormal([rows, cols], 0, 1, 'float32', 6);
    const lossGrad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(topKSoftmax(x, k).weights, R)));
    tf.dispose(lossGrad(logits)); // warm-up
    const before = tf.memory().numTensors;
    const gl = lossGrad(logits);
    expect(gl.shape).toEqual([rows, cols]);
    expect(tf.memory().numTensors).toBe(before + 1);
    const gate = topKGate(logits, k);
    expect(Array.from(tf.sum(gate, -1).dataSync()).every((v) => v === k)).toBe(true);
    // the gradient lives on the gate only, and is not all zero there
    expect(tf.sum(tf.abs(tf.mul(gl, tf.sub(1, gate)))).dataSync()[0]).toBe(0);
    expect(tf.sum(tf.abs(gl)).dataSync()[0]).toBeGreaterThan(0);
  });

  it('rejects a bad k', () => {
    expect(() => topKSoftmax(tf.zeros([2, 3]), 0)).toThrow(/k must be a positive integer, got 0/);
    expect(() => topKSoftmax(tf.zeros([2, 3]), 1.5)).toThrow(/k must be a positive integer/);
  });
});

describe('topKAttention (functional)', () => {
  it('equals the naive computation per head and broadcasts shared queries over a batch', () => {
    const rng = new SeededRandom(4);
    const H = 2;
    const M = 3;
    const T = 6;
    const d = 2;
    const qf = randn(rng, H * M * d);
    const kf = randn(rng, 2 * H * T * d);
    const vf = randn(rng, 2 * H * T * d);
    const res = topKAttention(tf.tensor3d(qf, [H, M, d]), tf.tensor4d(kf, [2, H, T, d]), tf.tensor4d(vf, [2, H, T, d]), 2);
    expect(res.output.shape).toEqual([2, H, M, d]);
    const q = nest(qf, [H, M, d]) as N3;
    const k = nest(kf, [2, H, T, d]) as N3[];
    const v = nest(vf, [2, H, T, d]) as N3[];
    const ref = [0, 1].map((b) =>
      [0, 1].map((h) => topKAttentionHead(q[h] as N2, (k[b] as N3)[h] as N2, (v[b] as N3)[h] as N2, 2, 1 / Math.sqrt(d))),
    );
    expectClose(res.output.dataSync(), flat(ref.map((rb) => rb.map((r) => r.output))), { abs: 1e-5, rel: 1e-4 }, 'output');
    expect(flat(res.gate.arraySync())).toEqual(flat(ref.map((rb) => rb.map((r) => r.gate))));
  });
});

describe('topKAttention gradients', () => {
  it('match float64 finite differences, summed over the batch for shared queries', () => {
    const rng = new SeededRandom(12);
    const H = 2;
    const M = 2;
    const T = 5;
    const d = 2;
    const B = 2;
    const nq = H * M * d;
    const nk = B * H * T * d;
    const p0 = randn(rng, nq + 2 * nk);
    const R = randn(rng, B * H * M * d);
    const loss = (p: number[]): number => {
      const q = nest(p.slice(0, nq), [H, M, d]) as N3;
      const k = nest(p.slice(nq, nq + nk), [B, H, T, d]) as N3[];
      const v = nest(p.slice(nq + nk), [B, H, T, d]) as N3[];
      const out = [0, 1].flatMap((b) =>
        [0, 1].map((h) => topKAttentionHead(q[h] as N2, (k[b] as N3)[h] as N2, (v[b] as N3)[h] as N2, 2, 0.8).output),
      );
      return flat(out).reduce((a, x, i) => a + x * (R[i] as number), 0);
    };
    const grads = tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
      tf.sum(tf.mul(topKAttention(q, k, v, 2, { scale: 0.8 }).output, tf.tensor4d(R, [B, H, M, d]))),
    )([
      tf.tensor3d(p0.slice(0, nq), [H, M, d]),
      tf.tensor4d(p0.slice(nq, nq + nk), [B, H, T, d]),
      tf.tensor4d(p0.slice(nq + nk), [B, H, T, d]),
    ]);
    expect(grads[0]!.shape).toEqual([H, M, d]);
    expectFiniteDiffGradients(grads, loss, p0, { abs: 1e-4, rel: 1e-3 }, 'd loss / d (q, k, v)');
  });
});

/** Reads a weight of a layer by the end of its name. */
function weight(layer: TopKAttention, suffix: string): N2 {
  const w = layer.weights.find((x) => x.originalName.endsWith(suffix));
  if (!w) throw new Error(`no weight ${suffix}`);
  return w.read().arraySync() as N2;
}

/** Naive TopKAttention layer: queries [tq][dq], source [tk][ds] (one batch element). */
function naiveLayer(layer: TopKAttention, q: N2, s: N2, heads: number, hd: number, topK: number): { output: N2; gate: N3; weights: N3 } {
  const qp = affine(q, weight(layer, 'query/kernel'), null);
  const kp = affine(s, weight(layer, 'key/kernel'), null);
  const vp = affine(s, weight(layer, 'value/kernel'), null);
  const per = Array.from({ length: heads }, (_, h) =>
    topKAttentionHead(headSlice(qp, h, hd), headSlice(kp, h, hd), headSlice(vp, h, hd), topK, 1 / Math.sqrt(hd)),
  );
  const merged = q.map((_, t) => per.flatMap((p) => p.output[t] as number[]));
  return {
    output: affine(merged, weight(layer, 'output/kernel'), null),
    gate: per.map((p) => p.gate),
    weights: per.map((p) => p.weights),
  };
}

describe('TopKAttention layer', () => {
  const rng = new SeededRandom(8);

  it('slots [M, Dm] attending to tokens [T, D] equals the naive computation; the gate has k ones per row', () => {
    setGlobalSeed(3);
    const M = 4;
    const Dm = 4;
    const T = 10;
    const D = 6;
    const layer = new TopKAttention({ numHeads: 2, headDim: 3, topK: 3, returnGate: true, storeGate: true });
    const qf = randn(rng, M * Dm);
    const sf = randn(rng, T * D);
    const [out, gate] = layer.apply([tf.tensor2d(qf, [M, Dm]), tf.tensor2d(sf, [T, D])]) as tf.Tensor[];
    expect(out!.shape).toEqual([M, Dm]);
    expect(gate!.shape).toEqual([2, M, T]);
    expect(layer.weights.map((w) => w.originalName.split('/').slice(1).join('/'))).toEqual([
      'query/kernel',
      'key/kernel',
      'value/kernel',
      'output/kernel',
    ]);
    const ref = naiveLayer(layer, nest(qf, [M, Dm]) as N2, nest(sf, [T, D]) as N2, 2, 3, 3);
    expectClose(out!.dataSync(), flat(ref.output), { abs: 1e-5, rel: 1e-4 }, 'output');
    expect(flat(gate!.arraySync())).toEqual(flat(ref.gate));
    expect(Array.from(tf.sum(gate!, -1).dataSync()).every((v) => v === 3)).toBe(true);
    expect(flat(layer.lastGate!.arraySync())).toEqual(flat(ref.gate));
  });

  it('shares batch-less slots over a batched source, one top-k per sample', () => {
    setGlobalSeed(4);
    const layer = new TopKAttention({ numHeads: 2, topK: 2 });
    const qf = randn(rng, 3 * 4);
    const sf = randn(rng, 2 * 5 * 3);
    const out = layer.apply([tf.tensor2d(qf, [3, 4]), tf.tensor3d(sf, [2, 5, 3])]) as tf.Tensor;
    expect(out.shape).toEqual([2, 3, 4]);
    const s = nest(sf, [2, 5, 3]) as N3;
    const ref = [0, 1].map((b) => naiveLayer(layer, nest(qf, [3, 4]) as N2, s[b] as N2, 2, 2, 2).output);
    expectClose(out.dataSync(), flat(ref), { abs: 1e-5, rel: 1e-4 }, 'batched output');
  });

  it('attend() exposes differentiable weights: a loss on them trains the query and key projections', () => {
    setGlobalSeed(5);
    const layer = new TopKAttention({ numHeads: 2, topK: 3 });
    const q = tf.tensor2d(randn(rng, 3 * 4), [3, 4]);
    const s = tf.tensor2d(randn(rng, 8 * 4), [8, 4]);
    layer.apply([q, s]);
    const vars = layer.trainableWeights.map((w) => w.read());
    const { grads } = tf.variableGrads(() => {
      const { output, weights, gate } = layer.attend(q, s);
      output.dispose();
      gate.dispose();
      return tf.sum(tf.square(tf.sum(weights, [0, 1])));
    }, vars as tf.Variable[]);
    const norms = Object.fromEntries(Object.entries(grads).map(([n, g]) => [n.split('/').slice(-2).join('/'), tf.norm(g).dataSync()[0]]));
    expect(norms['query/kernel']).toBeGreaterThan(0);
    expect(norms['key/kernel']).toBeGreaterThan(0);
    expect(norms['value/kernel'] ?? 0).toBe(0);
  });

  it('gives clear errors for wrong ranks, widths and batch sizes', () => {
    const layer = new TopKAttention({ numHeads: 2, topK: 2, name: 'write' });
    layer.apply([tf.zeros([3, 4]), tf.zeros([5, 6])]);
    expect(() => layer.apply(tf.zeros([3, 4]))).toThrow(/TopKAttention 'write': expects two inputs \[queries, source\], got 1/);
    expect(() => layer.apply([tf.zeros([3, 4]), tf.zeros([5, 7])])).toThrow(/the last dimension of source must be 6/);
    expect(() => layer.apply([tf.zeros([1, 1, 3, 4]), tf.zeros([5, 6])])).toThrow(/queries must have rank 2 or 3/);
    expect(() => layer.apply([tf.zeros([2, 3, 4]), tf.zeros([3, 5, 6])])).toThrow(/same batch size/);
    expect(() => new TopKAttention({ numHeads: 2, topK: 2 }).attend(tf.zeros([3, 4]), tf.zeros([5, 6]))).toThrow(/not built/);
  });
});
