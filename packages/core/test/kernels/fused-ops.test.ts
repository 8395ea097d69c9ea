import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  fusedLayerNorm,
  fusedGelu,
  plainAttention,
  plainGelu,
  plainLayerNorm,
  plainSoftmaxCrossEntropy,
  fusedAttention,
  softmaxCrossEntropy,
} from '../../src/kernels/index';
import { maxAbsDiff, runOn, setUpBackends, values, valuesOf } from './kernel-test-helpers';

/** Values and gradients (of sum(w * f(inputs))) of `fused` and `plain` on `backend`. */
async function compare(
  backend: string,
  shapes: number[][],
  fused: (...xs: tf.Tensor[]) => tf.Tensor,
  plain: (...xs: tf.Tensor[]) => tf.Tensor,
  scale = 1,
): Promise<{ value: number; grad: number }> {
  const run = (f: (...xs: tf.Tensor[]) => tf.Tensor) =>
    runOn(backend, () => {
      const xs = shapes.map((s, i) => tf.mul(tf.tensor(valuesOf(s, 20 + i), s), scale));
      const out = f(...xs);
      const w = tf.tensor(values(out.size, 40), out.shape);
      const grads = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), w)))(xs);
      return [out, ...grads];
    });
  const a = await run(fused);
  const b = await run(plain);
  expect(a.shapes).toEqual(b.shapes);
  return {
    value: maxAbsDiff(a.values[0]!, b.values[0]!),
    grad: Math.max(...a.values.slice(1).map((v, i) => maxAbsDiff(v, b.values[i + 1]!))),
  };
}

describe('cheaper forms with hand-written gradients', () => {
  beforeAll(setUpBackends);

  for (const backend of ['wasm', 'cpu']) {
    it(`fusedLayerNorm equals the plain definition in value and gradient (${backend})`, async () => {
      const d = await compare(
        backend,
        [[3, 5, 16], [16], [16]],
        (x, g, b) => fusedLayerNorm(x!, g!, b!),
        (x, g, b) => plainLayerNorm(x!, g!, b!),
      );
      expect(d.value).toBeLessThan(1e-5);
      expect(d.grad).toBeLessThan(1e-4);
    });

    it(`gelu (erf and tanh) equals the plain definitions in value and gradient (${backend})`, async () => {
      for (const approx of ['none', 'tanh'] as const) {
        const d = await compare(
          backend,
          [[4, 33]],
          (x) => fusedGelu(x!, approx),
          (x) => plainGelu(x!, approx),
          3,
        );
        expect(d.value).toBeLessThan(1e-5);
        expect(d.grad).toBeLessThan(1e-5);
      }
    });

    it(`softmaxCrossEntropy equals the plain definition for one-hot and index labels (${backend})`, async () => {
      const labels = [3, 0, 4, 4, 1, 2];
      const oneHot = () => tf.oneHot(tf.tensor1d(labels, 'int32'), 5);
      const d = await compare(
        backend,
        [[6, 5]],
        (z) => softmaxCrossEntropy(z!, tf.tensor1d(labels, 'int32')),
        (z) => plainSoftmaxCrossEntropy(z!, oneHot()),
        4,
      );
      expect(d.value).toBeLessThan(1e-5);
      expect(d.grad).toBeLessThan(1e-6);
      const soft = await compare(
        backend,
        [[6, 5]],
        (z) => softmaxCrossEntropy(z!, tf.cast(oneHot(), 'float32')),
        (z) => plainSoftmaxCrossEntropy(z!, oneHot()),
      );
      expect(soft.value).toBeLessThan(1e-5);
    });

    it(`fusedAttention equals the plain definition with and without a mask (${backend})`, async () => {
      const shapes = [
        [2, 3, 5, 8],
        [2, 3, 7, 8],
        [2, 3, 7, 4],
      ];
      const d = await compare(
        backend,
        shapes,
        (q, k, v) => fusedAttention(q!, k!, v!),
        (q, k, v) => plainAttention(q!, k!, v!),
      );
      expect(d.value).toBeLessThan(1e-5);
      expect(d.grad).toBeLessThan(1e-4);
      const mask = () => tf.mul(tf.cast(tf.greater(tf.tensor(values(35, 50), [5, 7]), 0.3), 'float32'), -1e9);
      const m = await compare(
        backend,
        shapes,
        (q, k, v) => fusedAttention(q!, k!, v!, { mask: mask(), scale: 0.5 }),
        (q, k, v) => plainAttention(q!, k!, v!, { mask: mask(), scale: 0.5 }),
      );
      expect(m.value).toBeLessThan(1e-5);
      expect(m.grad).toBeLessThan(1e-4);
    });
  }

  it('the layer-norm gradient equals central differences in float64', async () => {
    const x = values(2 * 6, 60).map((v) => v * 2);
    const gamma = values(6, 61);
    const beta = values(6, 62);
    const w = values(12, 63);
    const loss = (xs: number[]) => {
      let s = 0;
      for (let r = 0; r < 2; r++) {
        const row = xs.slice(r * 6, r * 6 + 6);
        const mean = row.reduce((a, b) => a + b, 0) / 6;
        const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / 6;
        row.forEach((v, j) => {
          s += w[r * 6 + j]! * (((v - mean) / Math.sqrt(variance + 1e-5)) * gamma[j]! + beta[j]!);
        });
      }
      return s;
    };
    const g = await runOn('wasm', () =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(fusedLayerNorm(t, tf.tensor1d(gamma), tf.tensor1d(beta)), tf.tensor(w, [2, 6]))))(
        tf.tensor(x, [2, 6]),
      ),
    );
    const fd = x.map((_, i) => {
      const p = x.slice();
      const q = x.slice();
      p[i]! += 1e-5;
      q[i]! -= 1e-5;
      return (loss(p) - loss(q)) / 2e-5;
    });
    expect(maxAbsDiff(g.values[0]!, fd)).toBeLessThan(2e-3);
  });

  it('rejects bad shapes with messages that name them', () => {
    expect(() => fusedLayerNorm(tf.ones([2, 4]), tf.ones([3]), tf.zeros([4]))).toThrow(/gamma and beta must have shape \[4\]/);
    expect(() => softmaxCrossEntropy(tf.ones([2, 3]), tf.tensor1d([0, 5], 'int32'))).toThrow(/outside \[0, 3\)/);
    expect(() => softmaxCrossEntropy(tf.ones([2, 3]), tf.ones([2, 4]))).toThrow(/logits' shape/);
    expect(() => fusedAttention(tf.ones([2, 3, 4]), tf.ones([2, 3, 5]), tf.ones([2, 3, 4]))).toThrow(/need q/);
    expect(() => fusedGelu(tf.ones([2]), 'fast' as 'tanh')).toThrow(/none" or "tanh/);
  });

  it('does not leak tensors in forward and backward passes', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const q = tf.ones([1, 2, 3, 4]);
    tf.tidy(() => {
      tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(fusedAttention(a, b, c)))([q, q, q]);
      tf.grad((a: tf.Tensor) => tf.sum(fusedGelu(a)))(q);
      tf.grad((a: tf.Tensor) => softmaxCrossEntropy(tf.reshape(a, [6, 4]), tf.tensor1d([0, 1, 2, 3, 0, 1], 'int32')))(q);
      tf.grad((a: tf.Tensor) => tf.sum(fusedLayerNorm(a, tf.ones([4]), tf.zeros([4]))))(q);
    });
    q.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
