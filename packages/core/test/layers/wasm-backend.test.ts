// The same ops on the WebAssembly backend, which `initBackend({ backend: 'auto' })` picks when
// tfjs-node is absent: every kernel used must exist there and give the same numbers.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  ConvStem,
  gelu,
  initBackend,
  layerNorm,
  MultiHeadAttention,
  PatchEmbedding,
  patchify,
  scaledDotProductAttention,
  SeededRandom,
  setGlobalSeed,
  TopKAttention,
  topKSoftmax,
  dropout,
  dropPath,
} from '../../src/index';
import { naiveConvStem } from './conv-stem-reference';
import { expectClose, finiteDiff, flat, gelu64, layerNormRow, nest, randn } from '../../testing/index';
import { topKSoftmaxRow, type N2 } from './naive-reference';

beforeAll(async () => {
  const info = await initBackend({ backend: 'wasm' });
  expect(info.tfjsBackend).toBe('wasm');
});

describe('ops on the wasm backend', () => {
  const rng = new SeededRandom(1);

  it('gelu (both forms) and layerNorm, values and gradients', () => {
    const xs = [-3, -1, -0.2, 0, 0.4, 1.3, 2.8];
    for (const approx of ['none', 'tanh'] as const) {
      expectClose(
        gelu(tf.tensor1d(xs), approx).dataSync(),
        xs.map((x) => gelu64(x, approx)),
        { abs: 2e-6, rel: 1e-5 },
        approx,
      );
      const g = tf
        .grad((x: tf.Tensor) => tf.sum(gelu(x, approx)))(tf.tensor1d(xs))
        .dataSync();
      expectClose(
        g,
        xs.map((x) => finiteDiff((p) => gelu64(p[0] as number, approx), [x])[0] as number),
        { abs: 1e-5, rel: 1e-4 },
        `${approx}'`,
      );
    }
    const xv = randn(rng, 2 * 6);
    const ref = (nest(xv, [2, 6]) as N2).flatMap((r) => layerNormRow(r, null, null, 1e-5));
    expectClose(layerNorm(tf.tensor2d(xv, [2, 6])).dataSync(), ref, { abs: 1e-5, rel: 1e-4 }, 'layerNorm');
    const R = randn(rng, 12);
    const fd = finiteDiff(
      (p) => (nest(p, [2, 6]) as N2).flatMap((r) => layerNormRow(r, null, null, 1e-5)).reduce((a, v, i) => a + v * (R[i] as number), 0),
      xv,
    );
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(layerNorm(x), tf.tensor2d(R, [2, 6]))))(tf.tensor2d(xv, [2, 6]));
    expectClose(g.dataSync(), fd, { abs: 1e-4, rel: 1e-3 }, 'layerNorm grad');
  });

  it('masked attention with a fully blocked row, and top-k softmax with its gradient', () => {
    const q = tf.randomNormal([1, 2, 3, 4], 0, 1, 'float32', 1);
    const kv = tf.randomNormal([1, 2, 4, 4], 0, 1, 'float32', 2);
    const mask = tf.tensor2d([0, 0, 0, 0, 1, 1, 0, 1, 1, 1, 1, 1], [3, 4]);
    const { output, weights } = scaledDotProductAttention(q, kv, kv, { mask });
    expect(Array.from(output.dataSync()).every(Number.isFinite)).toBe(true);
    expect(flat((output.arraySync() as number[][][][])[0]![1]![0])).toEqual([0, 0, 0, 0]);
    expect(flat((weights.arraySync() as number[][][][])[0]![0]![0])).toEqual([0, 0, 0, 0]);
    expect((weights.arraySync() as number[][][][])[0]![0]![1]![2]).toBe(0);
    const vals = randn(rng, 3 * 8);
    const { weights: w, gate } = topKSoftmax(tf.tensor2d(vals, [3, 8]), 3);
    const refs = [0, 1, 2].map((r) => topKSoftmaxRow(vals.slice(r * 8, r * 8 + 8), 3));
    expect(flat(gate.arraySync())).toEqual(refs.flatMap((r) => r.gate));
    expectClose(
      w.dataSync(),
      refs.flatMap((r) => r.weights),
      { abs: 1e-6, rel: 1e-5 },
      'top-k weights',
    );
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(topKSoftmax(x, 3).weights, tf.reshape(tf.range(0, 24), [3, 8]))))(
      tf.tensor2d(vals, [3, 8]),
    );
    const fd = finiteDiff(
      (p) => [0, 1, 2].flatMap((r) => topKSoftmaxRow(p.slice(r * 8, r * 8 + 8), 3).weights).reduce((a, v, i) => a + v * i, 0),
      vals,
    );
    expectClose(g.dataSync(), fd, { abs: 1e-4, rel: 1e-3 }, 'top-k grad');
  });

  it('patchify, dropout and drop-path', () => {
    const img = Array.from({ length: 2 * 4 * 4 * 2 }, (_, i) => i);
    const p = patchify(tf.tensor4d(img, [2, 4, 4, 2]), 2).arraySync();
    // image 1, token 3 = patch (1, 1), pixel (1, 0), channel 1 -> image row 3, column 2
    expect(p[1]![3]![(1 * 2 + 0) * 2 + 1]).toBe(((1 * 4 + 3) * 4 + 2) * 2 + 1);
    setGlobalSeed(4);
    const a = dropout(tf.ones([100]), 0.5, true).dataSync();
    setGlobalSeed(4);
    expect(Array.from(dropout(tf.ones([100]), 0.5, true).dataSync())).toEqual(Array.from(a));
    expect(new Set(Array.from(a))).toEqual(new Set([0, 2]));
    const dp = dropPath(tf.ones([50, 2]), 0.5, true, 3).arraySync() as number[][];
    expect(dp.every((r) => r[0] === r[1] && (r[0] === 0 || r[0] === 2))).toBe(true);
  });

  it('the attention and patch layers run forward and backward', () => {
    setGlobalSeed(2);
    const mha = new MultiHeadAttention({ numHeads: 2, headDim: 4, qkvBias: false });
    const pe = new PatchEmbedding({ patchSize: 2, embedDim: 8 });
    const tk = new TopKAttention({ numHeads: 2, topK: 3 });
    const mem = tf.randomNormal([4, 8], 0, 1, 'float32', 7);
    const imgs = tf.randomNormal([2, 4, 4, 3], 0, 1, 'float32', 8);
    const f = (): tf.Scalar => {
      const tokens = pe.apply(imgs) as tf.Tensor;
      const h = mha.apply(tokens) as tf.Tensor;
      const o = tk.apply([mem, tf.reshape(h, [8, 8])]) as tf.Tensor;
      return tf.sum(tf.square(o));
    };
    f();
    const vars = [...pe.trainableWeights, ...mha.trainableWeights, ...tk.trainableWeights].map((w) => w.read()) as tf.Variable[];
    const { value, grads } = tf.variableGrads(f, vars);
    expect(Number.isFinite(value.dataSync()[0])).toBe(true);
    const norms = Object.values(grads).map((g) => tf.norm(g).dataSync()[0] as number);
    expect(norms.every(Number.isFinite)).toBe(true);
    expect(norms.filter((n) => n > 0).length).toBeGreaterThan(vars.length - 2);
  });

  it('the convolutional stem equals the float64 loop, and its gradients equal the cpu backend', async () => {
    setGlobalSeed(3);
    const stem = new ConvStem({ channels: [4, 6] });
    stem.build([null, null, null, 2]);
    const w = stem.getWeights().map((t, i) => tf.tensor(randn(rng, t.size, i % 2 === 0 ? 0.5 : 0.1), t.shape));
    stem.setWeights(w);
    const shape = [2, 10, 10, 2] as const;
    const x = randn(rng, 2 * 10 * 10 * 2);
    const stages = [
      { kernel: Array.from(w[0]!.dataSync()), bias: Array.from(w[1]!.dataSync()), k: 3, cin: 2, cout: 4 },
      { kernel: Array.from(w[2]!.dataSync()), bias: Array.from(w[3]!.dataSync()), k: 3, cin: 4, cout: 6 },
    ];
    const img = tf.tensor(x, [...shape]);
    const r = tf.randomNormal([2, 2, 2, 6], 0, 1, 'float32', 4);
    expectClose((stem.apply(img) as tf.Tensor).dataSync(), naiveConvStem(x, shape, stages, 2).out, { abs: 1e-4, rel: 1e-4 }, 'wasm stem');
    const gradsOn = async (backend: string): Promise<Float32Array[]> => {
      await tf.setBackend(backend);
      const onBackend = (t: tf.Tensor): tf.Tensor => tf.tensor(t.dataSync(), t.shape);
      const xi = onBackend(img);
      const ri = onBackend(r);
      const vars = stem.trainableWeights.map((v) => v.read()) as tf.Variable[];
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(stem.apply(xi) as tf.Tensor, ri)) as tf.Scalar, vars);
      const gx = tf.grad((im: tf.Tensor) => tf.sum(tf.mul(stem.apply(im) as tf.Tensor, ri)))(xi);
      return [gx, ...vars.map((v) => grads[v.name] as tf.Tensor)].map((t) => t.dataSync() as Float32Array);
    };
    const onWasm = await gradsOn('wasm');
    await import('@tensorflow/tfjs-backend-cpu');
    const onCpu = await gradsOn('cpu');
    await tf.setBackend('wasm');
    onWasm.forEach((g, i) => expectClose(g, onCpu[i]!, { abs: 1e-4, rel: 1e-3 }, `gradient ${i}`));
  });
});
