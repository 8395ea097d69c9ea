import type * as tf from '@tensorflow/tfjs-core';
import { type Batch, ConfigError, SeededRandom, disposeBatch, initBackend } from '@ait/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type OrientedBarsDatasetOptions,
  type OrientedBarsScene,
  type RandomAccessDataset,
  datasetBatchSource,
  freshOrientedBarsDataset,
  orientedBarsAngles,
  orientedBarsDataset,
  orientedBarsLabelNames,
  renderOrientedBars,
  sampleOrientedBars,
  takeSamples,
} from '../src/index';
import { expectFreshPassesReproducible } from './helpers/fresh-passes';
import { edgeOrientation, orientationGap, principalAxis } from './helpers/image-orientation';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** The class whose angle (`k * 180 / classes`) is nearest to `angle`. */
function nearestClass(angle: number, classes: number): number {
  const gaps = Array.from({ length: classes }, (_, k) => orientationGap(angle, (k * 180) / classes));
  return gaps.indexOf(Math.min(...gaps));
}

function all(ds: RandomAccessDataset<OrientedBarsScene>): { image: Uint8Array; label: number; scene: OrientedBarsScene }[] {
  return Array.from({ length: ds.size }, (_, i) => {
    const s = ds.get(i);
    return { image: s.image as Uint8Array, label: s.label, scene: s.extra as OrientedBarsScene };
  });
}

describe('oriented-bars generator', () => {
  it('draws bars whose principal axis (second moments of the pixel intensities) is the label angle', () => {
    const ds = orientedBarsDataset({ size: 400, seed: 'axis' });
    expect(ds.imageShape).toEqual([32, 32, 1]);
    expect(ds.numClasses).toBe(4);
    expect(ds.labelNames).toEqual(['0°', '45°', '90°', '135°']);
    for (const { image, label } of all(ds)) {
      const { angle, elongation } = principalAxis(image, 32);
      expect(orientationGap(angle, 45 * label)).toBeLessThan(2);
      expect(nearestClass(angle, 4)).toBe(label);
      // A bar, not a blob: at least 3 : 1 gives a variance ratio far above 5.
      expect(elongation).toBeGreaterThan(5);
    }
  });

  it('keeps the measured orientation with noise, jitter, other image sizes and class counts', () => {
    const cases: { options: OrientedBarsDatasetOptions; threshold: number; tolerance: number }[] = [
      { options: { noise: 0.1 }, threshold: 128, tolerance: 4 },
      { options: { angleJitter: 20 }, threshold: 0, tolerance: 2 },
      { options: { imageSize: 64, classes: 8 }, threshold: 0, tolerance: 2 },
      { options: { imageSize: 8 }, threshold: 0, tolerance: 3 },
      { options: { imageSize: 20, classes: 6, angleJitter: 5, channels: 1 }, threshold: 0, tolerance: 3 },
    ];
    for (const { options, threshold, tolerance } of cases) {
      const ds = orientedBarsDataset({ size: 120, seed: 'cases', ...options });
      const side = ds.imageShape[0];
      const classes = ds.numClasses;
      for (const { image, label, scene } of all(ds)) {
        const { angle } = principalAxis(image, side, threshold);
        expect(orientationGap(angle, scene.angle)).toBeLessThan(tolerance);
        expect(nearestClass(angle, classes)).toBe(label);
        expect(Math.abs(scene.angle - (label * 180) / classes)).toBeLessThanOrEqual(options.angleJitter ?? 0);
      }
    }
    expect(orientedBarsAngles(8)).toEqual([0, 22.5, 45, 67.5, 90, 112.5, 135, 157.5]);
    expect(orientedBarsLabelNames(6)).toEqual(['0°', '30°', '60°', '90°', '120°', '150°']);
  });

  it('draws several parallel bars: the edge orientation (gradient structure tensor) is the label angle', () => {
    for (const bars of [2, 4]) {
      const ds = orientedBarsDataset({ size: 200, seed: 'bars', bars });
      for (const { image, label, scene } of all(ds)) {
        expect(scene.bars).toHaveLength(bars);
        expect(orientationGap(edgeOrientation(image, 32), 45 * label)).toBeLessThan(3);
      }
    }
  });

  it('fills each bar with its area of ink and keeps every bar one pixel inside the border', () => {
    let relErrorSum = 0;
    let signedSum = 0;
    const ds = orientedBarsDataset({ size: 300, seed: 'area' });
    for (const { image, scene } of all(ds)) {
      const bar = scene.bars[0] as OrientedBarsScene['bars'][number];
      const ink = image.reduce((a, v) => a + v / 255, 0);
      const area = bar.length * bar.thickness;
      // 4 x 4 sub-samples per pixel: the edges are found to a quarter pixel.
      expect(Math.abs(ink - area)).toBeLessThan(0.25 * (bar.length + bar.thickness) + 1);
      relErrorSum += Math.abs(ink - area) / area;
      signedSum += (ink - area) / area;
    }
    expect(relErrorSum / ds.size).toBeLessThan(0.05);
    // The quarter-pixel errors cancel on average: no systematic excess or lack of ink.
    expect(Math.abs(signedSum / ds.size)).toBeLessThan(0.015);
    for (const options of [{}, { bars: 4 }, { imageSize: 8 }, { imageSize: 17, bars: 3 }, { imageSize: 64, angleJitter: 10 }]) {
      const set = orientedBarsDataset({ size: 100, seed: 'border', ...options });
      const n = set.imageShape[0];
      for (const { image } of all(set)) {
        const border: number[] = [];
        for (let k = 0; k < n; k++)
          border.push(image[k] as number, image[(n - 1) * n + k] as number, image[k * n] as number, image[k * n + n - 1] as number);
        expect(Math.max(...border)).toBe(0);
        // Anti-aliased: a thin diagonal bar may cover no pixel fully, but its middle pixels mostly.
        expect(Math.max(...image)).toBeGreaterThan(127);
      }
    }
  });

  it('adds Gaussian noise of the asked standard deviation, clipped to 0..255, without moving the bars', () => {
    const rng = new SeededRandom('noise');
    const background: number[] = [];
    const ink: number[] = [];
    for (let i = 0; i < 60; i++) {
      const scene = sampleOrientedBars(rng, { noise: 0.1 });
      expect(scene.noise).toBe(0.1);
      const clean = renderOrientedBars({ ...scene, noise: 0 });
      const noisy = renderOrientedBars(scene);
      expect(Array.from(renderOrientedBars(scene))).toEqual(Array.from(noisy));
      clean.forEach((v, p) => {
        if (v === 0) background.push(noisy[p] as number);
        if (v === 255) ink.push(noisy[p] as number);
      });
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    // max(0, N(0, 25.5)): mean 25.5 / sqrt(2 pi) = 10.17, and half of the pixels stay at 0.
    expect(mean(background)).toBeCloseTo(25.5 / Math.sqrt(2 * Math.PI), 0);
    expect(background.filter((v) => v === 0).length / background.length).toBeCloseTo(0.5, 1);
    expect(mean(ink)).toBeCloseTo(255 - 25.5 / Math.sqrt(2 * Math.PI), 0);
  });

  it('balances the classes: exactly in the fixed sets, in expectation in fresh streams', async () => {
    const counts = (labels: number[], k: number): number[] => Array.from({ length: k }, (_, c) => labels.filter((l) => l === c).length);
    const fixed = orientedBarsDataset({ size: 402, seed: 3 });
    expect(
      counts(
        all(fixed).map((s) => s.label),
        4,
      ),
    ).toEqual([101, 101, 100, 100]);
    const six = orientedBarsDataset({ size: 60, classes: 6 });
    expect(
      counts(
        all(six).map((s) => s.label),
        6,
      ),
    ).toEqual([10, 10, 10, 10, 10, 10]);
    const fresh = await takeSamples(freshOrientedBarsDataset({ samplesPerEpoch: 2000 }), 2000, new SeededRandom('balance'));
    // Binomial(2000, 1/4): 4 standard deviations are 77.
    for (const c of counts(
      fresh.map((s) => s.label),
      4,
    ))
      expect(Math.abs(c - 500)).toBeLessThan(77);
  });

  it('is a fixed seeded set: the same seed gives the same images in any order; other seeds and splits differ', () => {
    const a = orientedBarsDataset({ size: 50, seed: 5 });
    const b = orientedBarsDataset({ size: 50, seed: 5 });
    const order = [49, 0, 17, 3, 30];
    const forward = order.map((i) => a.get(i));
    const backward = [...order]
      .reverse()
      .map((i) => b.get(i))
      .reverse();
    expect(forward.map((s) => Array.from(s.image))).toEqual(backward.map((s) => Array.from(s.image)));
    expect(forward.map((s) => s.extra)).toEqual(backward.map((s) => s.extra));
    const same = (x: Uint8Array | Float32Array, y: Uint8Array | Float32Array): boolean => x.every((v, i) => v === y[i]);
    const other = orientedBarsDataset({ size: 50, seed: 6 });
    const test = orientedBarsDataset({ size: 50, seed: 5, split: 'test' });
    for (let i = 0; i < 50; i++) {
      expect(same(a.get(i).image, other.get(i).image)).toBe(false);
      expect(same(a.get(i).image, test.get(i).image)).toBe(false);
    }
    expect(orientedBarsDataset().size).toBe(10_000);
    expect(orientedBarsDataset({ split: 'test' }).size).toBe(2_000);
    expect(() => a.get(50)).toThrow(/index 50 is outside \[0, 50\)/);
  });

  it('has normalisation statistics that match generated data, shared by seeds and splits, repeated for 3 channels', () => {
    for (const options of [{}, { noise: 0.1 }, { bars: 3, imageSize: 24 }]) {
      const ds = orientedBarsDataset({ size: 600, seed: 'stats-check', split: 'test', ...options });
      let sum = 0;
      let sq = 0;
      let n = 0;
      for (const { image } of all(ds)) {
        for (const v of image) {
          sum += v / 255;
          sq += (v / 255) ** 2;
        }
        n += image.length;
      }
      const mean = sum / n;
      const std = Math.sqrt(sq / n - mean * mean);
      expect(Math.abs((ds.normalization.mean[0] as number) - mean) / mean).toBeLessThan(0.05);
      expect(Math.abs((ds.normalization.std[0] as number) - std) / std).toBeLessThan(0.05);
      expect(orientedBarsDataset({ seed: 9, ...options }).normalization).toEqual(ds.normalization);
    }
    const one = orientedBarsDataset({ size: 4 });
    const three = orientedBarsDataset({ size: 4, channels: 3 });
    expect(three.imageShape).toEqual([32, 32, 3]);
    expect(three.normalization.mean).toEqual([0, 0, 0].map(() => one.normalization.mean[0]));
    const grey = one.get(2).image;
    const rgb = three.get(2).image;
    for (let p = 0; p < 1024; p++) for (let c = 0; c < 3; c++) expect(rgb[3 * p + c]).toBe(grey[p]);
  });

  it('rejects bad options, labels and indices', () => {
    expect(() => orientedBarsDataset({ angleJitter: 22.5 })).toThrow(/angleJitter: must be below half the class spacing/);
    expect(() => orientedBarsDataset({ classes: 8, angleJitter: 12 })).toThrow(ConfigError);
    expect(() => orientedBarsDataset({ imageSize: 4 })).toThrow(/imageSize: must be >= 8/);
    expect(() => orientedBarsDataset({ classes: 1 })).toThrow(/classes: must be >= 2/);
    expect(() => orientedBarsDataset({ bars: 5 })).toThrow(/bars: must be <= 4/);
    expect(() => orientedBarsDataset({ noise: -0.1 })).toThrow(/noise: must be >= 0/);
    expect(() => orientedBarsDataset({ size: 0 })).toThrow(/size: must be >= 1/);
    expect(() => orientedBarsDataset({ channels: 2 as 1 })).toThrow(/channels: must be 1 or 3/);
    expect(() => orientedBarsDataset({ imagesize: 32 } as OrientedBarsDatasetOptions)).toThrow(ConfigError);
    expect(() => freshOrientedBarsDataset({ samplesPerEpoch: 0 })).toThrow(ConfigError);
    expect(() => sampleOrientedBars(new SeededRandom(1), {}, 4)).toThrow(RangeError);
  });
});

describe('freshOrientedBarsDataset', () => {
  it('draws new examples from the rng on every pass, reproducibly', async () => {
    const ds = freshOrientedBarsDataset({ samplesPerEpoch: 20, bars: 2 });
    expect(ds.imageShape).toEqual([32, 32, 1]);
    await expectFreshPassesReproducible(ds, 20);
  });
});

describe('oriented bars through datasetBatchSource', () => {
  it('batches every image once per epoch as [B, 32, 32, 1], normalised with the set statistics', () => {
    const ds = orientedBarsDataset({ size: 64, seed: 'batches' });
    const source = datasetBatchSource(ds, { batchSize: 16 });
    expect(source.numBatches?.()).toBe(4);
    const { mean, std } = ds.normalization;
    const m = mean[0] as number;
    const s = std[0] as number;
    const seen: string[] = [];
    for (const b of source.batches(0, new SeededRandom(1)) as Iterable<Batch>) {
      const x = b.x as tf.Tensor;
      expect(x.shape).toEqual([16, 32, 32, 1]);
      const v = x.dataSync();
      const y = b.y.dataSync();
      for (let i = 0; i < 16; i++) {
        // Undo the normalisation: the bytes and label of one sample of the set.
        const bytes = Array.from(v.subarray(i * 1024, (i + 1) * 1024), (z) => Math.round((z * s + m) * 255));
        seen.push(`${y[i]}:${bytes.join(',')}`);
      }
      disposeBatch(b);
    }
    const expected = all(ds).map(({ image, label }) => `${label}:${Array.from(image).join(',')}`);
    expect(seen.sort()).toEqual(expected.sort());
  });
});
