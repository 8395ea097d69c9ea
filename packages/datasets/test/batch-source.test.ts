import * as tf from '@tensorflow/tfjs-core';
import { type Batch, ConfigError, SeededRandom, disposeBatch, initBackend } from '@ait/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Dataset,
  type Sample,
  arrayDataset,
  datasetBatchSource,
  freshTriangleDataset,
  openTriangleSet,
  shuffleBuffer,
  sortOfClevrDataset,
  triangleDataset,
  writeTriangleSet,
} from '../src/index';
import { tempDirs } from './helpers/temp-dir';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});
const temp = tempDirs('batches');
afterAll(() => temp.cleanup());

/** 11 images 2 x 3 x 2 whose every value encodes the sample index: image i is filled with 10 + i. */
const N = 11;
const small = arrayDataset({
  name: 'small',
  imageShape: [2, 3, 2],
  images: Uint8Array.from({ length: N * 12 }, (_, k) => 10 + Math.floor(k / 12)),
  labels: Array.from({ length: N }, (_, i) => i % 4),
  labelNames: ['a', 'b', 'c', 'd'],
  normalization: { mean: [0.1, 0.2], std: [0.5, 2] },
});

async function epoch(batches: Iterable<Batch> | AsyncIterable<Batch>): Promise<{ ids: number[][]; ys: number[][]; shapes: number[][] }> {
  const ids: number[][] = [];
  const ys: number[][] = [];
  const shapes: number[][] = [];
  for await (const b of batches) {
    const x = b.x as tf.Tensor;
    shapes.push(x.shape);
    expect(x.dtype).toBe('float32');
    expect(b.y.dtype).toBe('int32');
    const v = x.dataSync();
    // Undo normalisation of channel 0: value = (p / 255 - 0.1) / 0.5.
    ids.push(Array.from({ length: x.shape[0] as number }, (_, i) => Math.round(((v[i * 12] as number) * 0.5 + 0.1) * 255) - 10));
    ys.push(Array.from(b.y.dataSync()));
    disposeBatch(b);
  }
  return { ids, ys, shapes };
}

describe('datasetBatchSource over random-access data', () => {
  it('visits every sample once per epoch in [B, H, W, C] batches with labels, normalised with the data set statistics', async () => {
    const source = datasetBatchSource(small, { batchSize: 4 });
    expect(source.numBatches?.()).toBe(3);
    expect(source.dataset.labelNames).toEqual(['a', 'b', 'c', 'd']);
    const batches = source.batches(0, new SeededRandom(1));
    expect(Symbol.iterator in batches).toBe(true);
    const { ids, ys, shapes } = await epoch(batches);
    expect(shapes).toEqual([
      [4, 2, 3, 2],
      [4, 2, 3, 2],
      [3, 2, 3, 2],
    ]);
    expect(ids.flat().sort((a, b) => a - b)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(ids.flat()).not.toEqual(Array.from({ length: N }, (_, i) => i));
    expect(ys.flat()).toEqual(ids.flat().map((i) => i % 4));
    // Channel 1 uses its own statistics: (p / 255 - 0.2) / 2.
    const b = (source.batches(0, new SeededRandom(1)) as Iterable<Batch>)[Symbol.iterator]().next().value as Batch;
    const v = (b.x as tf.Tensor).dataSync();
    const id = Math.round(((v[0] as number) * 0.5 + 0.1) * 255) - 10;
    expect(v[1]).toBeCloseTo(((10 + id) / 255 - 0.2) / 2, 5);
    disposeBatch(b);
  });

  it('draws the order from the rng it is given: same state, same batches; next epoch, another order', async () => {
    const source = datasetBatchSource(small, { batchSize: 3, augment: { horizontalFlip: true, cropPadding: 1 } });
    const rng = new SeededRandom('resume');
    const state = rng.getState();
    const a = await epoch(source.batches(0, rng));
    const b = await epoch(source.batches(1, rng));
    const again = await epoch(source.batches(0, SeededRandom.fromState(state)));
    expect(again).toEqual(a);
    expect(b.ids).not.toEqual(a.ids);
    // The rng moved by exactly what batches() draws, at call time (not while iterating).
    const r1 = SeededRandom.fromState(state);
    source.batches(0, r1);
    const r2 = SeededRandom.fromState(state);
    r2.permutation(N);
    r2.nextSeed();
    expect(r1.getState()).toEqual(r2.getState());
  });

  it('keeps order without shuffling, drops the last batch on request, and can skip normalisation', async () => {
    const source = datasetBatchSource(small, { batchSize: 4, shuffle: false, dropLast: true, normalize: false });
    expect(source.numBatches?.()).toBe(2);
    const seen: number[] = [];
    for await (const b of source.batches(0, new SeededRandom(0))) {
      const v = (b.x as tf.Tensor).dataSync();
      for (let i = 0; i < (b.y.shape[0] as number); i++) seen.push(Math.round((v[i * 12] as number) * 255) - 10);
      disposeBatch(b);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('creates no tensors beyond the batches handed out', async () => {
    const before = tf.memory().numTensors;
    const source = datasetBatchSource(sortOfClevrDataset({ images: 3, questionsPerType: 2 }), { batchSize: 5 });
    for await (const b of source.batches(0, new SeededRandom(0))) disposeBatch(b);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('feeds Sort-of-CLEVR as x = [images [B, 75, 75, 3], questions [B, 18]]', async () => {
    const ds = sortOfClevrDataset({ images: 2, questionsPerType: 2 });
    const source = datasetBatchSource(ds, { batchSize: 4, shuffle: false, normalize: false });
    const b = (source.batches(0, new SeededRandom(0)) as Iterable<Batch>)[Symbol.iterator]().next().value as Batch;
    const [images, questions] = b.x as tf.Tensor[];
    expect(images?.shape).toEqual([4, 75, 75, 3]);
    expect(questions?.shape).toEqual([4, 18]);
    expect(Array.from(questions?.dataSync() ?? []).slice(18, 36)).toEqual(Array.from(ds.get(1).inputs?.[0] ?? []));
    expect(Array.from(b.y.dataSync())).toEqual([0, 1, 2, 3].map((i) => ds.get(i).label));
    expect(images?.dataSync()[0]).toBe(1); // white background scaled to [0, 1]
    disposeBatch(b);
  });

  it('rejects bad options and samples that do not fit the data set', () => {
    expect(() => datasetBatchSource(small, { batchSize: 0 })).toThrow(ConfigError);
    expect(() => datasetBatchSource(small, { batchSize: 2, augment: { cropPadding: -1 } })).toThrow(/augment\.cropPadding: must be >= 0/);
    expect(() => datasetBatchSource(small, { batchSize: 20, dropLast: true })).toThrow(/batchSize 20 exceeds the 11 samples/);
    expect(() => datasetBatchSource(small, { batchSize: 2, normalize: { mean: [0], std: [1] } })).toThrow(
      /one mean and one std per channel \(2\)/,
    );
    const broken: Dataset = { ...small, get: (): Sample => ({ image: new Uint8Array(5), label: 0 }) };
    const it = datasetBatchSource(broken, { batchSize: 2 }).batches(0, new SeededRandom(0)) as Iterable<Batch>;
    expect(() => it[Symbol.iterator]().next()).toThrow(
      /Dataset 'small', batch sample 0: the image has 5 values .* \[2, 3, 2\] \(12 values\)/,
    );
  });
});

describe('datasetBatchSource over disk and streamed data', () => {
  it('reads disk data asynchronously in the same order as the in-memory copy', async () => {
    const dir = await temp.make();
    await writeTriangleSet(dir, { size: 13 });
    const disk = await openTriangleSet(dir, { mode: 'disk' });
    const memory = triangleDataset({ size: 13 });
    const opts = { batchSize: 5, augment: { cropPadding: 4, horizontalFlip: true } };
    const fromDisk = datasetBatchSource(disk, opts).batches(0, new SeededRandom(9));
    expect(Symbol.asyncIterator in fromDisk).toBe(true);
    const a: number[][] = [];
    for await (const b of fromDisk) {
      a.push(Array.from((b.x as tf.Tensor).dataSync()), Array.from(b.y.dataSync()));
      disposeBatch(b);
    }
    const m: number[][] = [];
    for await (const b of datasetBatchSource(memory, opts).batches(0, new SeededRandom(9))) {
      m.push(Array.from((b.x as tf.Tensor).dataSync()), Array.from(b.y.dataSync()));
      disposeBatch(b);
    }
    expect(a).toEqual(m);
    await disk.close?.();
  });

  it('shuffles streams with a seeded buffer and regenerates fresh data reproducibly', async () => {
    const source = datasetBatchSource(freshTriangleDataset({ samplesPerEpoch: 10 }), { batchSize: 4, shuffleBufferSize: 3 });
    expect(source.numBatches?.()).toBe(3);
    const run = async (rng: SeededRandom): Promise<number[]> => {
      const out: number[] = [];
      for await (const b of source.batches(0, rng)) {
        out.push(
          b.y.shape[0] as number,
          Array.from((b.x as tf.Tensor).dataSync()).reduce((p, v) => p + v, 0),
        );
        disposeBatch(b);
      }
      return out;
    };
    const before = tf.memory().numTensors;
    const a = await run(new SeededRandom(2));
    expect(await run(new SeededRandom(2))).toEqual(a);
    expect(await run(new SeededRandom(3))).not.toEqual(a);
    expect([a[0], a[2], a[4]]).toEqual([4, 4, 2]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('shuffleBuffer yields every item once, as a permutation, reproducibly', async () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const collect = async (size: number, seed: number): Promise<number[]> => {
      const out: number[] = [];
      for await (const v of shuffleBuffer(items, size, new SeededRandom(seed))) out.push(v);
      return out;
    };
    for (const size of [1, 7, 50, 100]) {
      const out = await collect(size, 1);
      expect([...out].sort((x, y) => x - y)).toEqual(items);
      expect(await collect(size, 1)).toEqual(out);
    }
    expect(await collect(7, 1)).not.toEqual(items);
  });
});
