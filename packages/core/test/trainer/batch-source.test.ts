import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { layers, sequential } from '@tensorflow/tfjs-layers';
import { AdamW, ConfigError, disposeBatch, SeededRandom, Trainer, tensorBatchSource, type Batch } from '../../src/index';
import { useBackend } from '../../testing/index';

useBackend('cpu');

function epochRows(batches: Iterable<Batch>): { xs: number[][]; ys: number[]; sizes: number[] } {
  const xs: number[][] = [];
  const ys: number[] = [];
  const sizes: number[] = [];
  for (const b of batches) {
    const x = b.x as tf.Tensor;
    sizes.push(b.y.shape[0] as number);
    xs.push(...(x.arraySync() as number[][]));
    ys.push(...(b.y.arraySync() as number[]));
    disposeBatch(b);
  }
  return { xs, ys, sizes };
}

describe('tensorBatchSource', () => {
  const n = 11;
  const xData = Array.from({ length: n }, (_, i) => [i, 10 * i]);
  const yData = Array.from({ length: n }, (_, i) => i);

  it('visits every example once per epoch, keeps x and y rows together, and sizes batches', () => {
    const x = tf.tensor2d(xData);
    const y = tf.tensor1d(yData, 'int32');
    const source = tensorBatchSource(x, y, { batchSize: 4 });
    expect(source.numBatches?.()).toBe(3);
    const { xs, ys, sizes } = epochRows(source.batches(0, new SeededRandom(1)));
    expect(sizes).toEqual([4, 4, 3]);
    expect([...ys].sort((a, b) => a - b)).toEqual(yData);
    xs.forEach((row, i) => expect(row).toEqual([ys[i], 10 * (ys[i] as number)]));
    expect(ys).not.toEqual(yData); // shuffled

    const dropped = tensorBatchSource(x, y, { batchSize: 4, dropRemainder: true, shuffle: false });
    expect(dropped.numBatches?.()).toBe(2);
    expect(epochRows(dropped.batches(0, new SeededRandom(1))).ys).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    tf.dispose([x, y]);
  });

  it('gives the same order for the same rng state and another for the next epoch', () => {
    const x = tf.tensor2d(xData);
    const y = tf.tensor1d(yData, 'int32');
    const source = tensorBatchSource(x, y, { batchSize: 3 });
    const rng = new SeededRandom('order');
    const state = rng.getState();
    const first = epochRows(source.batches(0, rng)).ys;
    const second = epochRows(source.batches(1, rng)).ys;
    expect(second).not.toEqual(first);
    const replay = SeededRandom.fromState(state);
    expect(epochRows(source.batches(0, replay)).ys).toEqual(first);
    expect(epochRows(source.batches(1, replay)).ys).toEqual(second);
    // The order is drawn when batches() is called, however far the epoch is then consumed.
    const full = SeededRandom.fromState(state);
    epochRows(source.batches(0, full));
    const partial = SeededRandom.fromState(state);
    const it0 = source.batches(0, partial)[Symbol.iterator]();
    disposeBatch(it0.next().value as Batch);
    it0.return?.();
    expect(partial.getState()).toEqual(full.getState());
    expect(epochRows(source.batches(1, partial)).ys).toEqual(second);
    tf.dispose([x, y]);
  });

  it('supports several inputs, creates no tensors before they are consumed, and rejects bad input', () => {
    const a = tf.tensor2d(xData);
    const b = tf.tensor1d(yData);
    const y = tf.tensor1d(yData, 'int32');
    const source = tensorBatchSource([a, b], y, { batchSize: 5, shuffle: false });
    const before = tf.memory().numTensors;
    const iterable = source.batches(0, new SeededRandom(0));
    expect(tf.memory().numTensors).toBe(before);
    for (const batch of iterable) {
      expect(Array.isArray(batch.x)).toBe(true);
      const [xa, xb] = batch.x as [tf.Tensor, tf.Tensor];
      const column = tf.slice(xa, [0, 0], [-1, 1]);
      expect(Array.from(column.dataSync())).toEqual(Array.from(xb.dataSync()));
      column.dispose();
      disposeBatch(batch);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(() => tensorBatchSource(a, tf.tensor1d([1, 2]), { batchSize: 2 })).toThrow(/x has shape \[11, 2\] but y has 2 examples/);
    expect(() => tensorBatchSource(a, y, { batchSize: 0 })).toThrow(ConfigError);
    expect(() => tensorBatchSource(a, y, { batchSize: 20, dropRemainder: true })).toThrow(/no batch/);
  });
});

describe('async batch sources', () => {
  it('the trainer consumes an async iterable source the same as a sync one', async () => {
    const makeModel = () => sequential({ layers: [layers.dense({ units: 2, inputShape: [3], kernelInitializer: 'ones' })] });
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 0, 1], [4, 3]);
    const y = tf.tensor1d([0, 1, 1, 0], 'int32');
    const sync = tensorBatchSource(x, y, { batchSize: 2 });
    const asyncSource = {
      numBatches: () => 2,
      async *batches(epoch: number, rng: SeededRandom) {
        for (const b of sync.batches(epoch, rng)) yield b;
      },
    };
    const losses: number[][] = [];
    for (const source of [sync, asyncSource]) {
      const run: number[] = [];
      const trainer = new Trainer({
        model: makeModel(),
        optimizer: new AdamW({ learningRate: 0.1 }),
        seed: 3,
        callbacks: [{ onStepEnd: (m) => void run.push(m.loss) }],
      });
      await trainer.fit(source, { epochs: 2 });
      losses.push(run);
    }
    expect(losses[0]).toHaveLength(4);
    expect(losses[1]).toEqual(losses[0]);
    x.dispose();
    y.dispose();
  });
});
