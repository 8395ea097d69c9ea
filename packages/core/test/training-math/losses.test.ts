import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, crossEntropy, SeededRandom } from '../../src/index';
import { useBackend } from '../../testing/index';

const BATCH = 4;
const CLASSES = 5;

function randomLogits(seed: number, scale = 2): number[][] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: BATCH }, () => Array.from({ length: CLASSES }, () => Math.fround(rng.normal() * scale)));
}

/** float64 softmax of one row. */
function softmax(row: readonly number[]): number[] {
  const max = Math.max(...row);
  const e = row.map((x) => Math.exp(x - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function target(label: number, eps: number): number[] {
  return Array.from({ length: CLASSES }, (_, c) => (c === label ? 1 - eps : 0) + eps / CLASSES);
}

/** float64 reference: mean over rows of -sum_c target_c * log softmax_c. */
function referenceLoss(logits: number[][], labels: number[], eps: number): number {
  let total = 0;
  logits.forEach((row, b) => {
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((acc, x) => acc + Math.exp(x - max), 0));
    const t = target(labels[b] as number, eps);
    total += -row.reduce((acc, x, c) => acc + (t[c] as number) * (x - lse), 0);
  });
  return total / logits.length;
}

const LABELS = [3, 0, 4, 1];

describe('crossEntropy', () => {
  useBackend('cpu');

  it('matches a float64 reference without smoothing (int32 labels)', () => {
    const logits = randomLogits(1);
    const x = tf.tensor2d(logits);
    const y = tf.tensor1d(LABELS, 'int32');
    const loss = crossEntropy(x, y);
    expect(loss.shape).toEqual([]);
    expect(loss.dataSync()[0]).toBeCloseTo(referenceLoss(logits, LABELS, 0), 5);
    tf.dispose([x, y, loss]);
  });

  it('matches a float64 reference with label smoothing (float labels)', () => {
    const logits = randomLogits(2);
    const x = tf.tensor2d(logits);
    const y = tf.tensor1d(LABELS, 'float32');
    for (const eps of [0.1, 0.5, 1]) {
      const loss = crossEntropy(x, y, { labelSmoothing: eps });
      const expected = referenceLoss(logits, LABELS, eps);
      expect(loss.dataSync()[0]).toBeCloseTo(expected, 5);
      // Smoothing must change the value, otherwise this check could not fail.
      expect(Math.abs(expected - referenceLoss(logits, LABELS, 0))).toBeGreaterThan(1e-3);
      loss.dispose();
    }
    tf.dispose([x, y]);
  });

  it('has gradient (softmax - target) / batch w.r.t. the logits', () => {
    const logits = randomLogits(3);
    const x = tf.tensor2d(logits);
    const y = tf.tensor1d(LABELS, 'int32');
    for (const eps of [0, 0.2]) {
      const grad = tf.grad((z: tf.Tensor) => crossEntropy(z, y, { labelSmoothing: eps }))(x);
      const g = grad.arraySync() as number[][];
      logits.forEach((row, b) => {
        const p = softmax(row);
        const t = target(LABELS[b] as number, eps);
        row.forEach((_, c) => {
          expect(g[b]?.[c]).toBeCloseTo(((p[c] as number) - (t[c] as number)) / BATCH, 6);
        });
      });
      grad.dispose();
    }
    tf.dispose([x, y]);
  });

  it('agrees with a central finite difference of itself', () => {
    const logits = randomLogits(4, 1);
    const y = tf.tensor1d(LABELS, 'int32');
    const h = 1e-2;
    const x = tf.tensor2d(logits);
    const grad = tf.grad((z: tf.Tensor) => crossEntropy(z, y, { labelSmoothing: 0.1 }))(x);
    const g = grad.arraySync() as number[][];
    for (const [b, c] of [
      [0, 0],
      [1, 3],
      [2, 4],
      [3, 1],
    ] as const) {
      const plus = logits.map((r) => r.slice());
      const minus = logits.map((r) => r.slice());
      (plus[b] as number[])[c] = (logits[b]?.[c] as number) + h;
      (minus[b] as number[])[c] = (logits[b]?.[c] as number) - h;
      const fd = (referenceLoss(plus, LABELS, 0.1) - referenceLoss(minus, LABELS, 0.1)) / (2 * h);
      expect(g[b]?.[c]).toBeCloseTo(fd, 4);
    }
    tf.dispose([x, y, grad]);
  });

  it('is numerically stable for large logits', () => {
    const logits = [
      [1000, -1000, 0, 0, 0],
      [-1000, 1000, 999, 0, 0],
      [0, 0, 0, 0, 0],
      [500, 500, 500, 500, -500],
    ];
    const x = tf.tensor2d(logits);
    const y = tf.tensor1d(LABELS, 'int32');
    for (const eps of [0, 0.1]) {
      const loss = crossEntropy(x, y, { labelSmoothing: eps });
      const value = loss.dataSync()[0] as number;
      expect(Number.isFinite(value)).toBe(true);
      expect(value / referenceLoss(logits, LABELS, eps)).toBeCloseTo(1, 5);
      loss.dispose();
    }
    tf.dispose([x, y]);
  });

  it('does not leak tensors', () => {
    const x = tf.tensor2d(randomLogits(5));
    const y = tf.tensor1d(LABELS, 'float32');
    const before = tf.memory().numTensors;
    const loss = crossEntropy(x, y, { labelSmoothing: 0.1 });
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, y, loss]);
  });

  it('rejects bad shapes, labels and options with clear errors', () => {
    const x = tf.zeros([BATCH, CLASSES]);
    const cases: [tf.Tensor, tf.Tensor, RegExp][] = [
      [x, tf.zeros([BATCH, 1], 'int32'), /labels must have shape \[batch\] = \[4\]/],
      [x, tf.zeros([3], 'int32'), /labels must have shape \[batch\] = \[4\].*got \[3\]/],
      [x, tf.tensor1d([0, 1, 5, 2], 'int32'), /labels\[2\] = 5 is not a class index in \[0, 5\)/],
      [x, tf.tensor1d([0, -1, 2, 2], 'int32'), /labels\[1\] = -1/],
      [x, tf.tensor1d([0, 1.5, 2, 2]), /labels\[1\] = 1.5/],
      [tf.zeros([2, 2, 5]), tf.zeros([2], 'int32'), /logits must have shape \[batch, classes\], got \[2, 2, 5\]/],
    ];
    for (const [logits, labels, message] of cases) {
      expect(() => crossEntropy(logits, labels)).toThrow(message);
    }
    const y = tf.zeros([BATCH], 'int32');
    expect(() => crossEntropy(x, y, { labelSmoothing: 1.5 })).toThrow(ConfigError);
    expect(() => crossEntropy(x, y, { labelSmoothing: -0.1 })).toThrow(/labelSmoothing/);
    expect(() => crossEntropy(x, y, { smoothing: 0.1 } as never)).toThrow(/smoothing/);
    tf.dispose([x, y, ...cases.flatMap(([l, t]) => [l, t])]);
  });
});
