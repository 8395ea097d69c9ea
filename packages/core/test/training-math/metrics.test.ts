import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { accuracy, SeededRandom, topKAccuracy } from '../../src/index';
import { useBackend } from '../../testing/index';

// Hand-made case: argmax per row = [1, 0, 2, 0 (tie of 0 and 1 goes to 0)].
const LOGITS = [
  [0.1, 0.5, 0.2],
  [0.9, 0.05, 0.05],
  [0.3, 0.3, 0.4],
  [0.2, 0.2, 0.1],
];
const LABELS = [1, 2, 2, 1];

/** Naive JS top-k: label counts when fewer than k classes rank before it (ties to the lower index). */
function naiveTopK(logits: number[][], labels: number[], k: number): number {
  let correct = 0;
  logits.forEach((row, b) => {
    const y = labels[b] as number;
    const ly = row[y] as number;
    const before = row.filter((x, c) => x > ly || (x === ly && c < y)).length;
    if (before < k) correct++;
  });
  return correct / logits.length;
}

describe('accuracy and topKAccuracy', () => {
  useBackend('cpu');

  it('accuracy on a hand-made case', () => {
    const x = tf.tensor2d(LOGITS);
    const y = tf.tensor1d(LABELS, 'int32');
    const acc = accuracy(x, y);
    expect(acc.shape).toEqual([]);
    expect(acc.dataSync()[0]).toBe(0.5);
    const yf = tf.tensor1d([1, 0, 2, 0], 'float32');
    const all = accuracy(x, yf);
    expect(all.dataSync()[0]).toBe(1);
    tf.dispose([x, y, yf, acc, all]);
  });

  it('top-k on a hand-made case', () => {
    const x = tf.tensor2d(LOGITS);
    const y = tf.tensor1d(LABELS, 'int32');
    const results = [1, 2, 3].map((k) => {
      const t = topKAccuracy(x, y, k);
      const v = t.dataSync()[0];
      t.dispose();
      return v;
    });
    // k=1: rows 0 and 2; k=2: row 1's label (0.05) ranks after 0.9 and the tied, lower-index 0.05.
    expect(results).toEqual([0.5, 0.75, 1]);
    tf.dispose([x, y]);
  });

  it('agrees with naive loops on random logits, and top-1 equals accuracy', () => {
    const rng = new SeededRandom(7);
    const batch = 32;
    const classes = 6;
    // Rounded to one decimal so that ties occur.
    const logits = Array.from({ length: batch }, () => Array.from({ length: classes }, () => Math.round(rng.normal() * 10) / 10));
    const labels = Array.from({ length: batch }, () => rng.nextInt(classes));
    const x = tf.tensor2d(logits);
    const y = tf.tensor1d(labels, 'int32');
    for (let k = 1; k <= classes; k++) {
      const t = topKAccuracy(x, y, k);
      expect(t.dataSync()[0]).toBeCloseTo(naiveTopK(logits, labels, k), 6);
      t.dispose();
    }
    const acc = accuracy(x, y);
    const top1 = topKAccuracy(x, y, 1);
    expect(acc.dataSync()[0]).toBe(top1.dataSync()[0]);
    expect(acc.dataSync()[0]).toBeCloseTo(naiveTopK(logits, labels, 1), 6);
    tf.dispose([x, y, acc, top1]);
  });

  it('does not leak and rejects bad input', () => {
    const x = tf.tensor2d(LOGITS);
    const y = tf.tensor1d(LABELS, 'int32');
    const before = tf.memory().numTensors;
    tf.dispose([accuracy(x, y), topKAccuracy(x, y, 2)]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => topKAccuracy(x, y, 0)).toThrow(/k must be an integer in \[1, 3\]/);
    expect(() => topKAccuracy(x, y, 4)).toThrow(/k must be an integer/);
    expect(() => topKAccuracy(x, y, 1.5)).toThrow(/k must be an integer/);
    const bad = tf.tensor1d([0, 1, 3, 0], 'int32');
    expect(() => accuracy(x, bad)).toThrow(/labels\[2\] = 3 is not a class index in \[0, 3\)/);
    const short = tf.tensor1d([0, 1], 'int32');
    expect(() => accuracy(x, short)).toThrow(/labels must have shape \[batch\] = \[4\]/);
    tf.dispose([x, y, bad, short]);
  });
});
