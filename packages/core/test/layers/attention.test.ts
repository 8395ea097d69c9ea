import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  fusedAttention,
  fusedScaledDotProductAttention,
  mergeHeads,
  MultiHeadAttention,
  plainAttention,
  plainScaledDotProductAttention,
  scaledDotProductAttention,
  SeededRandom,
  setGlobalSeed,
  splitHeads,
} from '../../src/index';
import { affine, expectClose, expectFiniteDiffGradients, flat, nest, randn, useBackend } from '../../testing/index';
import { attentionHead, headSlice, type N2, type N3, type N4 } from './naive-reference';

useBackend('cpu');

const B = 2;
const H = 2;
const TQ = 3;
const TK = 4;
const D = 3;
const DV = 2;

/** Naive attention over [b][h][t][d] arrays; `allowed(b, h, i, j)`. */
function naiveSdpa(
  q: N4,
  k: N4,
  v: N4,
  scale: number,
  allowed: (b: number, h: number, i: number, j: number) => boolean = () => true,
): { output: N4; weights: N4 } {
  const output: N4 = [];
  const weights: N4 = [];
  q.forEach((qb, b) => {
    output.push([]);
    weights.push([]);
    qb.forEach((qh, h) => {
      const r = attentionHead(qh, (k[b] as N3)[h] as N2, (v[b] as N3)[h] as N2, scale, (i, j) => allowed(b, h, i, j));
      (output[b] as N3).push(r.output);
      (weights[b] as N3).push(r.weights);
    });
  });
  return { output, weights };
}

describe('splitHeads / mergeHeads', () => {
  it('puts features h*d .. h*d+d-1 into head h and merges back', () => {
    const x = tf.tensor3d(
      Array.from({ length: 2 * 3 * 6 }, (_, i) => i),
      [2, 3, 6],
    );
    const s = splitHeads(x, 3);
    expect(s.shape).toEqual([2, 3, 3, 2]);
    const arr = s.arraySync() as N4;
    // batch 1, head 2, token 1 = features 4, 5 of x[1][1]
    expect((((arr[1] as N3)[2] as N2)[1] as number[]).slice()).toEqual([1 * 18 + 1 * 6 + 4, 1 * 18 + 1 * 6 + 5]);
    expect(mergeHeads(s).arraySync()).toEqual(x.arraySync());
    const x2 = tf.tensor2d(
      Array.from({ length: 12 }, (_, i) => i),
      [3, 4],
    );
    expect(splitHeads(x2, 2).shape).toEqual([2, 3, 2]);
    expect(mergeHeads(splitHeads(x2, 2)).arraySync()).toEqual(x2.arraySync());
  });
});

describe('scaledDotProductAttention', () => {
  const rng = new SeededRandom(7);
  const qf = randn(rng, B * H * TQ * D);
  const kf = randn(rng, B * H * TK * D);
  const vf = randn(rng, B * H * TK * DV);

  it('equals naive loops without a mask, with default scale 1/sqrt(d)', () => {
    const q = tf.tensor4d(qf, [B, H, TQ, D]);
    const k = tf.tensor4d(kf, [B, H, TK, D]);
    const v = tf.tensor4d(vf, [B, H, TK, DV]);
    const { output, weights } = scaledDotProductAttention(q, k, v);
    const ref = naiveSdpa(nest(qf, [B, H, TQ, D]) as N4, nest(kf, [B, H, TK, D]) as N4, nest(vf, [B, H, TK, DV]) as N4, 1 / Math.sqrt(D));
    expect(output.shape).toEqual([B, H, TQ, DV]);
    expect(weights.shape).toEqual([B, H, TQ, TK]);
    expectClose(output.dataSync(), flat(ref.output), { abs: 1e-5, rel: 1e-4 }, 'output');
    expectClose(weights.dataSync(), flat(ref.weights), { abs: 1e-6, rel: 1e-4 }, 'weights');
  });

  it('applies a broadcast mask [batch, 1, tq, tk], gives exact zeros and zero rows for fully blocked queries', () => {
    // batch 0: causal-like band; batch 1: query 0 fully blocked, others see keys 1..3.
    const allowed = (b: number, _h: number, i: number, j: number): boolean => (b === 0 ? j <= i + 1 : i !== 0 && j >= 1);
    const maskVals: number[] = [];
    for (let b = 0; b < B; b++) for (let i = 0; i < TQ; i++) for (let j = 0; j < TK; j++) maskVals.push(allowed(b, 0, i, j) ? 1 : 0);
    const mask = tf.tensor4d(maskVals, [B, 1, TQ, TK]);
    const q = tf.tensor4d(qf, [B, H, TQ, D]);
    const k = tf.tensor4d(kf, [B, H, TK, D]);
    const v = tf.tensor4d(vf, [B, H, TK, DV]);
    const { output, weights } = scaledDotProductAttention(q, k, v, { mask, scale: 0.7 });
    const ref = naiveSdpa(nest(qf, [B, H, TQ, D]) as N4, nest(kf, [B, H, TK, D]) as N4, nest(vf, [B, H, TK, DV]) as N4, 0.7, allowed);
    const w = weights.dataSync();
    expect(w.every((x) => Number.isFinite(x))).toBe(true);
    expect(output.dataSync().every((x) => Number.isFinite(x))).toBe(true);
    expectClose(w, flat(ref.weights), { abs: 1e-6, rel: 1e-4 }, 'weights');
    expectClose(output.dataSync(), flat(ref.output), { abs: 1e-5, rel: 1e-4 }, 'output');
    // blocked entries are exactly zero
    const wArr = weights.arraySync();
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++)
        for (let i = 0; i < TQ; i++) for (let j = 0; j < TK; j++) if (!allowed(b, h, i, j)) expect(wArr[b]![h]![i]![j]).toBe(0);
    // the fully blocked row of batch 1 has a zero output
    expect(flat(output.arraySync()[1]![0]![0])).toEqual([0, 0]);
  });

  it('accepts a boolean [tq, tk] mask broadcast over batch and heads', () => {
    const allowed = (_b: number, _h: number, i: number, j: number): boolean => (i + j) % 2 === 0;
    const maskVals: boolean[] = [];
    for (let i = 0; i < TQ; i++) for (let j = 0; j < TK; j++) maskVals.push(allowed(0, 0, i, j));
    const mask = tf.tensor2d(maskVals, [TQ, TK], 'bool');
    const { output } = scaledDotProductAttention(
      tf.tensor4d(qf, [B, H, TQ, D]),
      tf.tensor4d(kf, [B, H, TK, D]),
      tf.tensor4d(vf, [B, H, TK, DV]),
      { mask },
    );
    const ref = naiveSdpa(
      nest(qf, [B, H, TQ, D]) as N4,
      nest(kf, [B, H, TK, D]) as N4,
      nest(vf, [B, H, TK, DV]) as N4,
      1 / Math.sqrt(D),
      allowed,
    );
    expectClose(output.dataSync(), flat(ref.output), { abs: 1e-5, rel: 1e-4 }, 'output');
  });

  it('has gradients w.r.t. q, k and v that match float64 finite differences (with a partly and fully blocked mask)', () => {
    const b = 1;
    const allowed = (_b: number, h: number, i: number, j: number): boolean => i !== 1 && (h === 0 || j !== 2);
    const maskVals: number[] = [];
    for (let h = 0; h < H; h++) for (let i = 0; i < TQ; i++) for (let j = 0; j < TK; j++) maskVals.push(allowed(0, h, i, j) ? 1 : 0);
    const rng2 = new SeededRandom(11);
    const nq = b * H * TQ * D;
    const nk = b * H * TK * D;
    const nv = b * H * TK * DV;
    const params = randn(rng2, nq + nk + nv);
    const rOut = randn(rng2, b * H * TQ * DV);
    const rW = randn(rng2, b * H * TQ * TK);
    const lossRef = (p: number[]): number => {
      const ref = naiveSdpa(
        nest(p.slice(0, nq), [b, H, TQ, D]) as N4,
        nest(p.slice(nq, nq + nk), [b, H, TK, D]) as N4,
        nest(p.slice(nq + nk), [b, H, TK, DV]) as N4,
        0.6,
        allowed,
      );
      const o = flat(ref.output);
      const w = flat(ref.weights);
      return o.reduce((a, x, i) => a + x * (rOut[i] as number), 0) + w.reduce((a, x, i) => a + x * (rW[i] as number), 0);
    };
    const mask = tf.tensor4d(maskVals, [1, H, TQ, TK]);
    const grads = tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => {
      const { output, weights } = scaledDotProductAttention(q, k, v, { mask, scale: 0.6 });
      return tf.add(tf.sum(tf.mul(output, tf.tensor(rOut, output.shape))), tf.sum(tf.mul(weights, tf.tensor(rW, weights.shape))));
    })([
      tf.tensor4d(params.slice(0, nq), [b, H, TQ, D]),
      tf.tensor4d(params.slice(nq, nq + nk), [b, H, TK, D]),
      tf.tensor4d(params.slice(nq + nk), [b, H, TK, DV]),
    ]);
    const fd = expectFiniteDiffGradients(grads, lossRef, params, { abs: 2e-4, rel: 2e-3 }, 'd loss / d (q, k, v)');
    expect(fd.some((g) => Math.abs(g) > 1e-2)).toBe(true);
  });

  it('rejects wrong ranks, mismatched k/v and a mask that does not broadcast', () => {
    const q = tf.zeros([1, 2, 3, 4]);
    expect(() => scaledDotProductAttention(tf.zeros([2, 3, 4]), q, q)).toThrow(/q must have rank 4 \[batch, heads, tq, d\]/);
    expect(() => scaledDotProductAttention(q, tf.zeros([1, 2, 5, 3]), tf.zeros([1, 2, 5, 4]))).toThrow(/k must have shape \[1, 2, tk, 4\]/);
    expect(() => scaledDotProductAttention(q, tf.zeros([1, 2, 5, 4]), tf.zeros([1, 2, 6, 4]))).toThrow(/v must have shape/);
    expect(() => scaledDotProductAttention(q, q, q, { mask: tf.ones([2, 3]) })).toThrow(/does not broadcast to \[batch, heads, tq, tk\]/);
  });

  it('has a fused kernel, fusedScaledDotProductAttention, with the same output (the old names fusedAttention / plainAttention still work)', () => {
    const rng = new SeededRandom(21);
    const q = tf.tensor4d(randn(rng, B * H * TQ * D), [B, H, TQ, D]);
    const k = tf.tensor4d(randn(rng, B * H * TK * D), [B, H, TK, D]);
    const v = tf.tensor4d(randn(rng, B * H * TK * DV), [B, H, TK, DV]);
    const { output, weights } = scaledDotProductAttention(q, k, v, { scale: 0.6 });
    expectClose(fusedScaledDotProductAttention(q, k, v, { scale: 0.6 }).dataSync(), output.dataSync(), { abs: 1e-5 }, 'fused');
    expectClose(plainScaledDotProductAttention(q, k, v, { scale: 0.6 }).dataSync(), output.dataSync(), { abs: 1e-5 }, 'plain');
    expect(fusedAttention).toBe(fusedScaledDotProductAttention);
    expect(plainAttention).toBe(plainScaledDotProductAttention);
    expect(() => fusedScaledDotProductAttention(q, tf.zeros([B, H, TK, D + 1]), v)).toThrow(/fusedScaledDotProductAttention: need q/);
    tf.dispose([q, k, v, output, weights]);
  });
});

/** Reads a weight of a layer by the end of its name. */
function weight(layer: { weights: { originalName: string; read(): tf.Tensor }[] }, suffix: string): number[][] | number[] {
  const w = layer.weights.find((x) => x.originalName.endsWith(suffix));
  if (!w) throw new Error(`no weight ${suffix} in ${layer.weights.map((x) => x.originalName).join(', ')}`);
  return w.read().arraySync() as number[][] | number[];
}

/** Naive MHA over [b][t][*] arrays from the layer's weights. */
function naiveMha(
  layer: MultiHeadAttention,
  x: N3,
  context: N3 | null,
  heads: number,
  headDim: number,
  allowed: (b: number, i: number, j: number) => boolean = () => true,
): { output: N3; weights: N4 } {
  const inner = heads * headDim;
  const output: N3 = [];
  const weights: N4 = [];
  x.forEach((xb, b) => {
    let q: N2;
    let kv: N2;
    let kOff: number;
    let vOff: number;
    if (context === null) {
      const qkv = affine(xb, weight(layer, 'qkv/kernel') as N2, layer.config.qkvBias ? (weight(layer, 'qkv/bias') as number[]) : null);
      q = qkv;
      kv = qkv;
      kOff = inner;
      vOff = 2 * inner;
    } else {
      q = affine(xb, weight(layer, 'query/kernel') as N2, layer.config.qkvBias ? (weight(layer, 'query/bias') as number[]) : null);
      kv = affine(
        context[b] as N2,
        weight(layer, 'key_value/kernel') as N2,
        layer.config.qkvBias ? (weight(layer, 'key_value/bias') as number[]) : null,
      );
      kOff = 0;
      vOff = inner;
    }
    const headOut: N2[] = [];
    const headW: N2[] = [];
    for (let h = 0; h < heads; h++) {
      const r = attentionHead(
        headSlice(q, h, headDim),
        headSlice(kv, h, headDim, kOff),
        headSlice(kv, h, headDim, vOff),
        1 / Math.sqrt(headDim),
        (i, j) => allowed(b, i, j),
      );
      headOut.push(r.output);
      headW.push(r.weights);
    }
    const merged = xb.map((_, t) => headOut.flatMap((ho) => ho[t] as number[]));
    output.push(affine(merged, weight(layer, 'output/kernel') as N2, weight(layer, 'output/bias') as number[]));
    weights.push(headW);
  });
  return { output, weights };
}

describe('MultiHeadAttention layer', () => {
  const rng = new SeededRandom(3);

  it('self-attention with headDim independent of dim equals the naive computation', () => {
    setGlobalSeed(1);
    const layer = new MultiHeadAttention({ numHeads: 3, headDim: 2, qkvBias: false, returnAttentionWeights: true });
    const xf = randn(rng, 2 * 4 * 5);
    const x = tf.tensor3d(xf, [2, 4, 5]);
    const [out, w] = layer.apply(x) as tf.Tensor[];
    expect(out!.shape).toEqual([2, 4, 5]);
    expect(w!.shape).toEqual([2, 3, 4, 4]);
    expect(layer.weights.map((v) => v.originalName.split('/').slice(1).join('/'))).toEqual(['qkv/kernel', 'output/kernel', 'output/bias']);
    const ref = naiveMha(layer, nest(xf, [2, 4, 5]) as N3, null, 3, 2);
    expectClose(out!.dataSync(), flat(ref.output), { abs: 1e-5, rel: 1e-4 }, 'output');
    expectClose(w!.dataSync(), flat(ref.weights), { abs: 1e-6, rel: 1e-4 }, 'weights');
  });

  it.each(['self', 'cross'] as const)(
    "%s-attention without weight outputs (the fused path) equals the naive computation, with the plain path's gradients",
    (mode) => {
      setGlobalSeed(4);
      const fused = new MultiHeadAttention({ numHeads: 2, headDim: 3 });
      const plain = new MultiHeadAttention({ numHeads: 2, headDim: 3, storeAttentionWeights: true });
      const x = tf.tensor3d(randn(rng, 2 * 4 * 5), [2, 4, 5]);
      const c = tf.tensor3d(randn(rng, 2 * 6 * 5), [2, 6, 5]);
      const inputs = mode === 'self' ? x : [x, c];
      fused.apply(inputs);
      plain.apply(inputs);
      plain.setWeights(fused.getWeights());
      const r = tf.tensor3d(randn(rng, 2 * 4 * 5), [2, 4, 5]);
      const lossOf =
        (layer: MultiHeadAttention) =>
        (xi: tf.Tensor): tf.Scalar =>
          tf.sum(tf.mul(layer.apply(mode === 'self' ? xi : [xi, c]) as tf.Tensor, r));
      if (mode === 'self') {
        const ref = naiveMha(fused, nest(Array.from(x.dataSync()), [2, 4, 5]) as N3, null, 2, 3);
        expectClose((fused.apply(x) as tf.Tensor).dataSync(), flat(ref.output), { abs: 1e-5, rel: 1e-4 }, 'output');
      } else {
        expectClose(
          (fused.apply([x, c]) as tf.Tensor).dataSync(),
          (plain.apply([x, c]) as tf.Tensor).dataSync(),
          { abs: 1e-5, rel: 1e-4 },
          'output',
        );
      }
      expectClose(tf.grad(lossOf(fused))(x).dataSync(), tf.grad(lossOf(plain))(x).dataSync(), { abs: 1e-5, rel: 1e-4 }, 'dx');
      const kernelGrad = (layer: MultiHeadAttention): Float32Array => {
        const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
        const { grads } = tf.variableGrads(() => lossOf(layer)(x), vars);
        return grads[vars[0]!.name]!.dataSync() as Float32Array;
      };
      expectClose(kernelGrad(fused), kernelGrad(plain), { abs: 1e-5, rel: 1e-4 }, 'd kernel');
    },
  );

  it('cross-attention with a key-padding mask input equals the naive computation', () => {
    setGlobalSeed(2);
    const layer = new MultiHeadAttention({ numHeads: 2, hasMaskInput: true, outputDim: 3, storeAttentionWeights: true });
    const xf = randn(rng, 2 * 3 * 4);
    const cf = randn(rng, 2 * 5 * 6);
    // batch 0 sees keys 0..2, batch 1 sees keys 1..4
    const allowed = (b: number, _i: number, j: number): boolean => (b === 0 ? j <= 2 : j >= 1);
    const maskVals = [0, 1].flatMap((b) => [0, 1, 2, 3, 4].map((j) => (allowed(b, 0, j) ? 1 : 0)));
    const out = layer.apply([tf.tensor3d(xf, [2, 3, 4]), tf.tensor3d(cf, [2, 5, 6]), tf.tensor2d(maskVals, [2, 5])]) as tf.Tensor;
    expect(out.shape).toEqual([2, 3, 3]);
    const ref = naiveMha(layer, nest(xf, [2, 3, 4]) as N3, nest(cf, [2, 5, 6]) as N3, 2, 2, allowed);
    expectClose(out.dataSync(), flat(ref.output), { abs: 1e-5, rel: 1e-4 }, 'output');
    const stored = layer.lastAttentionWeights;
    expect(stored?.shape).toEqual([2, 2, 3, 5]);
    expectClose(stored!.dataSync(), flat(ref.weights), { abs: 1e-6, rel: 1e-4 }, 'stored weights');
    // the next call replaces (and disposes) the stored copy
    const before = stored!;
    (layer.apply([tf.tensor3d(xf, [2, 3, 4]), tf.tensor3d(cf, [2, 5, 6]), tf.tensor2d(maskVals, [2, 5])]) as tf.Tensor).dispose();
    expect(before.isDisposed).toBe(true);
    expect(layer.lastAttentionWeights?.isDisposed).toBe(false);
    layer.dispose();
    expect(layer.lastAttentionWeights).toBeNull();
  });

  it('takes a [batch, tq, tk] mask through the mask keyword of apply', () => {
    setGlobalSeed(4);
    const layer = new MultiHeadAttention({ numHeads: 2 });
    const xf = randn(rng, 1 * 4 * 4);
    const allowed = (_b: number, i: number, j: number): boolean => j <= i;
    const maskVals = [0, 1, 2, 3].flatMap((i) => [0, 1, 2, 3].map((j) => (allowed(0, i, j) ? 1 : 0)));
    const out = layer.apply(tf.tensor3d(xf, [1, 4, 4]), { mask: tf.tensor3d(maskVals, [1, 4, 4]) }) as tf.Tensor;
    const ref = naiveMha(layer, nest(xf, [1, 4, 4]) as N3, null, 2, 2, allowed);
    expectClose(out.dataSync(), flat(ref.output), { abs: 1e-5, rel: 1e-4 }, 'causal output');
  });

  it('is deterministic at inference and applies both dropouts only when training', () => {
    setGlobalSeed(5);
    const layer = new MultiHeadAttention({ numHeads: 2, attentionDropout: 0.5, outputDropout: 0.5 });
    const x = tf.tensor3d(randn(rng, 2 * 3 * 4), [2, 3, 4]);
    const a = (layer.apply(x) as tf.Tensor).dataSync();
    const b = (layer.apply(x, { training: false }) as tf.Tensor).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    const t = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    expect(Array.from(t)).not.toEqual(Array.from(a));
    setGlobalSeed(9);
    const t1 = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    setGlobalSeed(9);
    const t2 = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    expect(Array.from(t1)).toEqual(Array.from(t2));
  });

  it('gives clear errors for a wrong rank, a wrong width and the wrong number of inputs', () => {
    const layer = new MultiHeadAttention({ numHeads: 2, name: 'mha' });
    layer.apply(tf.zeros([1, 3, 4]));
    expect(() => layer.apply(tf.zeros([3, 4]))).toThrow(/MultiHeadAttention 'mha': x must have rank 3 \[batch, tokens, dim\], got rank 2/);
    expect(() => layer.apply(tf.zeros([1, 3, 5]))).toThrow(
      /MultiHeadAttention 'mha': the last dimension of x must be 4, got shape \[1, 3, 5\]/,
    );
    expect(() => layer.apply([tf.zeros([1, 3, 4]), tf.zeros([1, 2, 4])])).toThrow(/built for self-attention/);
    expect(() => layer.apply([tf.zeros([1, 3, 4]), tf.zeros([1, 2, 4]), tf.zeros([1, 2]), tf.zeros([1])])).toThrow(
      /expects x or \[x, context\], got 4 inputs/,
    );
    expect(() => new MultiHeadAttention({ numHeads: 3 }).apply(tf.zeros([1, 2, 4]))).toThrow(/not divisible by numHeads = 3; set headDim/);
    expect(() => layer.apply(tf.zeros([1, 3, 4]), { mask: tf.ones([2, 3]) })).toThrow(/mask of shape \[2, 3\] does not fit/);
    expect(() => new MultiHeadAttention({ numHeads: 0 })).toThrow(/numHeads/);
  });
});
