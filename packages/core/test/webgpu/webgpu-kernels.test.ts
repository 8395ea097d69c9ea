// The operations AiT.js builds on, on the webgpu backend (tfjs-backend-webgpu's kernels through
// Dawn; on CI Mesa's lavapipe), against the cpu backend: matmul in every transpose and batch
// case, and the fused operations (GELU, layer norm, attention, softmax cross-entropy, the top-k
// gate, AdamW) in value and gradient. Tiny shapes: lavapipe runs the shaders on the CPU.
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { AdamW, crossEntropy, globalNorm, initBackend, topKGate, topKSoftmax } from '../../src/index';
import {
  fusedAttention,
  fusedGelu,
  fusedLayerNorm,
  plainAttention,
  plainGelu,
  plainLayerNorm,
  plainSoftmaxCrossEntropy,
  softmaxCrossEntropy,
} from '../../src/kernels/index';
import { maxAbsDiff, values } from '../kernels/kernel-test-helpers';
import { restoreBackendAfterwards, webgpuMissing } from '../../testing/index';

const missing = await webgpuMissing('the webgpu kernel tests');

/** Runs `fn` on `backend` and reads its tensors back asynchronously (webgpu cannot read synchronously in Node). */
async function runOn(
  backend: 'cpu' | 'webgpu',
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<{ values: Float32Array[]; shapes: number[][] }> {
  await initBackend({ backend });
  const out = tf.tidy(fn);
  const list = Array.isArray(out) ? out : [out];
  try {
    const read = await Promise.all(list.map((t) => t.data()));
    return { values: read.map((v) => Float32Array.from(v as ArrayLike<number>)), shapes: list.map((t) => t.shape) };
  } finally {
    tf.dispose(list);
  }
}

/**
 * Largest difference between webgpu and cpu over every output of `fn`, relative to the largest
 * cpu magnitude of that output (at least 1).
 */
async function webgpuVsCpu(fn: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const gpu = await runOn('webgpu', fn);
  const cpu = await runOn('cpu', fn);
  expect(gpu.shapes).toEqual(cpu.shapes);
  return Math.max(
    ...cpu.values.map((c, i) => {
      const scale = Math.max(1, ...Array.from(c, Math.abs));
      return maxAbsDiff(gpu.values[i] as Float32Array, c) / scale;
    }),
  );
}

/** A tensor of deterministic values in [-scale, scale). */
function input(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.mul(
    tf.tensor(
      values(
        shape.reduce((a, b) => a * b, 1),
        seed,
      ),
      shape,
    ),
    scale,
  );
}

/** The value of `f` on fresh inputs of `shapes` and its gradients (of sum(w * f)). */
function valueAndGrads(shapes: number[][], f: (...xs: tf.Tensor[]) => tf.Tensor, scale = 1): () => tf.Tensor[] {
  return () => {
    const xs = shapes.map((s, i) => input(s, 20 + i, scale));
    const out = f(...xs);
    const w = input(out.shape, 40);
    const grads = tf.grads((...ys: tf.Tensor[]) => tf.sum(tf.mul(f(...ys), w)))(xs);
    return [out, ...grads];
  };
}

describe.skipIf(missing !== null)('webgpu kernels equal the cpu backend', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
    await initBackend({ backend: 'webgpu' });
  });
  restoreBackendAfterwards();

  it('matMul in every transpose case, batched and broadcast both ways, with gradients', async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[17, 9], [9, 13], false, false],
      [[17, 9], [13, 9], false, true],
      [[9, 17], [9, 13], true, false],
      [[9, 17], [13, 9], true, true],
      [[3, 5, 7], [3, 7, 4], false, false],
      [[3, 7, 5], [3, 4, 7], true, true],
      [[2, 1, 4, 5], [1, 3, 5, 6], false, false],
      [[2, 1, 5, 4], [1, 3, 6, 5], true, true],
      [[2, 3, 4, 5], [5, 6], false, false],
    ];
    for (const [a, b, ta, tb] of cases) {
      const d = await webgpuVsCpu(valueAndGrads([a, b], (x, y) => tf.matMul(x as tf.Tensor, y as tf.Tensor, ta, tb)));
      expect(d, `${JSON.stringify(a)} x ${JSON.stringify(b)} ${ta} ${tb}`).toBeLessThan(1e-5);
    }
  });

  it('addN and the global gradient norm over more inputs than one WebGPU shader may bind', async () => {
    for (const n of [2, 7, 8, 20, 50]) {
      const sum = await webgpuVsCpu(() => tf.addN(Array.from({ length: n }, (_, i) => input([3, 4], 60 + i))));
      expect(sum, `addN of ${n}`).toBeLessThan(1e-6);
    }
    const norm = await webgpuVsCpu(() => globalNorm(Array.from({ length: 45 }, (_, i) => input([i + 1], 100 + i))));
    expect(norm).toBeLessThan(1e-6);
  });

  it('GELU (exact and tanh) and its slope', async () => {
    for (const approx of ['none', 'tanh'] as const) {
      expect(await webgpuVsCpu(valueAndGrads([[4, 33]], (x) => fusedGelu(x as tf.Tensor, approx), 3)), approx).toBeLessThan(1e-5);
      expect(await webgpuVsCpu(valueAndGrads([[4, 33]], (x) => plainGelu(x as tf.Tensor, approx), 3)), approx).toBeLessThan(1e-5);
    }
  });

  it('layer norm and its gradient (input, gain, bias)', async () => {
    const shapes = [[3, 5, 16], [16], [16]];
    expect(await webgpuVsCpu(valueAndGrads(shapes, (x, g, b) => fusedLayerNorm(x!, g!, b!)))).toBeLessThan(1e-5);
    expect(await webgpuVsCpu(valueAndGrads(shapes, (x, g, b) => plainLayerNorm(x!, g!, b!)))).toBeLessThan(1e-5);
  });

  it('attention (fused and plain, with a mask) and its gradients', async () => {
    const shapes = [
      [2, 2, 5, 8],
      [2, 2, 7, 8],
      [2, 2, 7, 6],
    ];
    expect(await webgpuVsCpu(valueAndGrads(shapes, (q, k, v) => fusedAttention(q!, k!, v!)))).toBeLessThan(1e-5);
    const masked = (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor): tf.Tensor =>
      plainAttention(q, k, v, { mask: tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([5, 7]), -1, 0)), -1e9) });
    expect(await webgpuVsCpu(valueAndGrads(shapes, (q, k, v) => masked(q!, k!, v!)))).toBeLessThan(1e-5);
  });

  it('softmax cross-entropy (index and one-hot labels) and crossEntropy with label smoothing', async () => {
    const labels = [0, 3, 1, 4, 2, 3];
    const indexLoss = valueAndGrads([[6, 5]], (z) => softmaxCrossEntropy(z!, tf.tensor1d(labels, 'int32')), 2);
    expect(await webgpuVsCpu(indexLoss)).toBeLessThan(1e-5);
    const plain = valueAndGrads([[6, 5]], (z) => plainSoftmaxCrossEntropy(z!, tf.oneHot(tf.tensor1d(labels, 'int32'), 5)), 2);
    expect(await webgpuVsCpu(plain)).toBeLessThan(1e-5);
    const smoothed = valueAndGrads([[6, 5]], (z) => crossEntropy(z!, tf.tensor1d(labels, 'int32'), { labelSmoothing: 0.1 }), 2);
    expect(await webgpuVsCpu(smoothed)).toBeLessThan(1e-5);
  });

  it('an out-of-range label, not read back on webgpu, makes the loss NaN there', async () => {
    const [ce, sce] = (
      await runOn('webgpu', () => [
        crossEntropy(input([2, 3], 1), tf.tensor1d([0, 3], 'int32')),
        softmaxCrossEntropy(input([2, 3], 1), tf.tensor1d([0, -1], 'int32')),
      ])
    ).values;
    expect(Number.isNaN(ce?.[0])).toBe(true);
    expect(Number.isNaN(sce?.[0])).toBe(true);
    // and on cpu, where labels are in host memory, it is an error naming the label
    await initBackend({ backend: 'cpu' });
    expect(() => crossEntropy(tf.zeros([2, 3]), tf.tensor1d([0, 3], 'int32'))).toThrow(/labels\[1\] = 3 is not a class index/);
  });

  it('the top-k gate and top-k softmax (with gradient)', async () => {
    const gate = await webgpuVsCpu(() => topKGate(input([3, 4, 9], 5), 3));
    expect(gate).toBe(0);
    const soft = valueAndGrads([[3, 4, 9]], (x) => topKSoftmax(x!, 3).weights, 2);
    expect(await webgpuVsCpu(soft)).toBeLessThan(1e-5);
  });

  it('AdamW (kernel path on webgpu, never the in-place one) gives the cpu update', async () => {
    const train = (): tf.Tensor[] => {
      const p = tf.variable(input([7, 5], 3), true, 'p');
      const optimizer = new AdamW({ learningRate: 0.01, weightDecay: 0.1 });
      for (let s = 0; s < 3; s++) {
        const g = tf.mul(input([7, 5], 10 + s), s + 1);
        optimizer.applyGradients([{ name: 'p', variable: p }], [g]);
        g.dispose();
      }
      const out = tf.clone(p);
      optimizer.dispose();
      p.dispose();
      return [out];
    };
    expect(await webgpuVsCpu(train)).toBeLessThan(1e-6);
  });
});
