import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { clipByGlobalNorm, globalNorm } from '../../src/index';
import { useBackend } from '../../testing/index';

const A = [0.5, -1.25, 2, 0, 3.5, -0.75];
const B = [1.5, -2.5, 0.25, 4];
const NORM = Math.sqrt([...A, ...B].reduce((acc, x) => acc + x * x, 0));

function jsNorm(arrays: ArrayLike<number>[]): number {
  let s = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) s += (a[i] as number) ** 2;
  return Math.sqrt(s);
}

describe('gradient clipping', () => {
  useBackend('cpu');

  it('globalNorm equals the JS L2 norm over all tensors', () => {
    const grads = [tf.tensor(A, [2, 3]), tf.tensor1d(B)];
    const n = globalNorm(grads);
    expect(n.shape).toEqual([]);
    expect(n.dataSync()[0]).toBeCloseTo(NORM, 5);
    const empty = globalNorm([]);
    expect(empty.dataSync()[0]).toBe(0);
    tf.dispose([...grads, n, empty]);
  });

  it('scales to maxNorm when above it, keeping the direction', async () => {
    const grads = [tf.tensor(A, [2, 3]), tf.tensor1d(B)];
    const before = tf.memory().numTensors;
    const { gradients, norm } = await clipByGlobalNorm(grads, 2);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(norm).toBeCloseTo(NORM, 5);
    expect(gradients.map((g) => g.shape)).toEqual([[2, 3], [4]]);
    const out = gradients.map((g) => g.dataSync());
    expect(jsNorm(out)).toBeCloseTo(2, 5);
    const scale = 2 / (NORM + 1e-6);
    [...A, ...B].forEach((x, i) => {
      const got = i < A.length ? out[0]?.[i] : out[1]?.[i - A.length];
      expect(got).toBeCloseTo(x * scale, 6);
    });
    tf.dispose([...grads, ...gradients]);
  });

  it('returns unchanged copies when the norm is already under maxNorm', async () => {
    const grads = [tf.tensor(A, [2, 3]), tf.tensor1d(B)];
    const { gradients, norm } = await clipByGlobalNorm(grads, 100);
    expect(norm).toBeCloseTo(NORM, 5);
    expect(gradients[0]).not.toBe(grads[0]);
    tf.dispose(grads); // the caller disposes the old ones; the new ones stay valid
    expect(Array.from(gradients[0]?.dataSync() ?? [])).toEqual(A);
    expect(Array.from(gradients[1]?.dataSync() ?? [])).toEqual(B);
    tf.dispose(gradients);
  });

  it('reports a non-finite norm and leaves the gradients unscaled', async () => {
    const grads = [tf.tensor1d([1, Number.NaN]), tf.tensor1d([2])];
    const { gradients, norm } = await clipByGlobalNorm(grads, 1);
    expect(Number.isNaN(norm)).toBe(true);
    expect(gradients[1]?.dataSync()[0]).toBe(2);
    tf.dispose([...grads, ...gradients]);
  });

  it('rejects a bad maxNorm', async () => {
    const g = [tf.ones([2])];
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 0, -1]) {
      await expect(clipByGlobalNorm(g, bad)).rejects.toThrow(/maxNorm must be a finite number > 0/);
    }
    tf.dispose(g);
  });
});
