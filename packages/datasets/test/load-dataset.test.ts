import { afterAll, describe, expect, it } from 'vitest';
import { DATASET_NAMES, type DatasetSpec, arrayDataset, computeNormalizationStats, loadDataset, writeSortOfClevrSet } from '../src/index';
import { tempDirs } from './helpers/temp-dir';

const temp = tempDirs('registry');
afterAll(() => temp.cleanup());

describe('loadDataset', () => {
  it('opens generators, written sets and loaders by name with label names and class counts', async () => {
    const tri = await loadDataset({ name: 'triangle', size: 10, channels: 3 });
    expect([tri.name, tri.size, tri.numClasses, tri.imageShape]).toEqual(['triangle-train', 10, 2, [64, 64, 3]]);
    const soc = await loadDataset({ name: 'sort-of-clevr-fresh', imagesPerEpoch: 2 });
    expect([soc.access, soc.size, soc.numClasses, soc.extraInputs]).toEqual(['stream', 60, 10, [{ name: 'question', shape: [18] }]]);
    const mnist = await loadDataset({ name: 'mnist', split: 'test' });
    expect([mnist.size, mnist.labelNames.length]).toEqual([10_000, 10]);
    const dir = await temp.make();
    await writeSortOfClevrSet(dir, { images: 1, split: 'test', questionsPerType: 1 });
    const written = await loadDataset({ name: 'synthetic-set', dir, mode: 'disk' });
    expect([written.name, written.access, written.size]).toEqual(['sort-of-clevr-test', 'async-random', 3]);
    await written.close?.();
    expect(DATASET_NAMES).toContain('image-folder');
    await expect(loadDataset({ name: 'imagenet' } as unknown as DatasetSpec)).rejects.toThrow(
      /unknown data set "imagenet"; choose one of triangle, /,
    );
  });
});

describe('arrayDataset and computeNormalizationStats', () => {
  it('checks shapes and labels, and computes per-channel statistics', async () => {
    const images = Float32Array.from([0, 1, 0.5, 0.5, 1, 0, 0.5, 0.5]); // 2 images 1 x 2 x 2
    const ds = arrayDataset({ name: 'f', imageShape: [1, 2, 2], images, labels: [1, 0], labelNames: ['x', 'y'] });
    // Channel 0 values 0, 0.5, 1, 0.5: mean 0.5, population std sqrt(0.125). Channel 1: 1, 0.5, 0, 0.5.
    expect(ds.normalization.mean).toEqual([0.5, 0.5]);
    ds.normalization.std.forEach((s) => expect(s).toBeCloseTo(Math.sqrt(0.125), 10));
    const stats = await computeNormalizationStats(ds, { maxSamples: 1 });
    expect(stats.mean).toEqual([0.25, 0.75]);
    expect(Array.from(ds.get(1).image)).toEqual([1, 0, 0.5, 0.5]);
    expect(() => ds.get(2)).toThrow(/index 2 is outside \[0, 2\)/);
    expect(() => arrayDataset({ name: 'g', imageShape: [1, 2, 2], images, labels: [1], labelNames: ['x', 'y'] })).toThrow(
      /images hold 8 values but 1 labels .* need 4/,
    );
    expect(() => arrayDataset({ name: 'h', imageShape: [1, 2, 2], images, labels: [1, 2], labelNames: ['x', 'y'] })).toThrow(
      /sample 1: label 2 is outside \[0, 2\)/,
    );
  });
});
