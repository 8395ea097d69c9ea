import { ConfigError, SeededRandom } from '@ait/core';
import { describe, expect, it } from 'vitest';
import {
  TRIANGLE_NORMALIZATION,
  type TriangleScene,
  freshTriangleDataset,
  renderTriangle,
  sampleTriangle,
  triangleDataset,
} from '../src/index';
import { expectFreshPassesReproducible } from './helpers/fresh-passes';

const dist = (a: readonly number[], b: readonly number[]): number =>
  Math.hypot((a[0] as number) - (b[0] as number), (a[1] as number) - (b[1] as number));

function scenes(n: number, seed: string): TriangleScene[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: n }, () => sampleTriangle(rng));
}

describe('Triangle generator', () => {
  const all = scenes(3000, 'triangle-test');

  it('makes class 0 equilateral up to the truncation of p3 (each side within sqrt(2) of |p1p2|)', () => {
    const eq = all.filter((s) => s.label === 0);
    expect(eq.length).toBeGreaterThan(1000);
    for (const {
      vertices: [p1, p2, p3],
    } of eq) {
      const l = dist(p1, p2);
      // p3 is the exact rotation truncated toward zero: each coordinate moves by < 1.
      expect(Math.abs(dist(p1, p3) - l)).toBeLessThan(Math.SQRT2);
      expect(Math.abs(dist(p2, p3) - l)).toBeLessThan(Math.SQRT2);
      // Independent check of the rotation: p3 is within one pixel per axis of p1 + R(-60)(p2 - p1).
      const dx = p2[0] - p1[0];
      const dy = p2[1] - p1[1];
      const ex = p1[0] + dx / 2 + (Math.sqrt(3) / 2) * dy;
      const ey = p1[1] - (Math.sqrt(3) / 2) * dx + dy / 2;
      expect(Math.abs(p3[0] - ex)).toBeLessThan(1);
      expect(Math.abs(p3[1] - ey)).toBeLessThan(1);
      // p3 +- 1 stays on the 64 x 64 canvas.
      for (const c of p3) {
        expect(c).toBeGreaterThanOrEqual(1);
        expect(c).toBeLessThanOrEqual(62);
      }
    }
  });

  it('balances the labels and draws class 1 as generic triangles (almost never equilateral)', () => {
    const zeros = all.filter((s) => s.label === 0).length;
    // Binomial(3000, 1/2): 4 standard deviations are 110.
    expect(Math.abs(zeros - 1500)).toBeLessThan(110);
    const others = all.filter((s) => s.label === 1);
    const nearlyEquilateral = others.filter(({ vertices: [a, b, c] }) => {
      const sides = [dist(a, b), dist(b, c), dist(a, c)];
      return Math.max(...sides) - Math.min(...sides) < 2 * Math.SQRT2;
    });
    expect(nearlyEquilateral.length / others.length).toBeLessThan(0.05);
    // Class-1 vertices use the whole range [1, 63].
    const coords = others.flatMap((s) => s.vertices.flat());
    expect(Math.min(...coords)).toBe(1);
    expect(Math.max(...coords)).toBe(63);
  });

  it('draws each vertex as 4 mirrored pairs within +-1 of it', () => {
    for (const s of all.slice(0, 300)) {
      expect(s.points).toHaveLength(24);
      s.vertices.forEach((v, k) => {
        for (let j = 0; j < 4; j++) {
          const c1 = s.points[k * 8 + 2 * j] as readonly number[];
          const c2 = s.points[k * 8 + 2 * j + 1] as readonly number[];
          expect(Math.abs((c1[0] as number) - v[0])).toBeLessThanOrEqual(1);
          expect(Math.abs((c1[1] as number) - v[1])).toBeLessThanOrEqual(1);
          expect([(c1[0] as number) + (c2[0] as number), (c1[1] as number) + (c2[1] as number)]).toEqual([2 * v[0], 2 * v[1]]);
        }
      });
    }
  });

  it('renders 255 exactly on the pixels within distance 2 of a drawn point', () => {
    for (const s of all.slice(0, 50)) {
      const img = renderTriangle(s);
      const expected: number[] = [];
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) expected.push(s.points.some(([px, py]) => (x - px) ** 2 + (y - py) ** 2 <= 4) ? 255 : 0);
      }
      expect(Array.from(img)).toEqual(expected);
      expect(Array.from(renderTriangle(s, 3))).toEqual(expected.flatMap((v) => [v, v, v]));
    }
  });
});

describe('triangleDataset', () => {
  it('is a fixed seeded set: same sample for an index whatever the access order; seeds and splits differ', () => {
    const a = triangleDataset({ size: 100, seed: 7 });
    const b = triangleDataset({ size: 100, seed: 7 });
    expect(a.size).toBe(100);
    expect(a.imageShape).toEqual([64, 64, 1]);
    expect(a.labelNames).toHaveLength(2);
    const forward = [3, 50, 99].map((i) => a.get(i));
    const backward = [99, 50, 3].map((i) => b.get(i)).reverse();
    expect(forward.map((s) => s.extra)).toEqual(backward.map((s) => s.extra));
    expect(forward.map((s) => Array.from(s.image))).toEqual(backward.map((s) => Array.from(s.image)));
    const other = triangleDataset({ size: 100, seed: 8 }).get(3);
    const test = triangleDataset({ size: 100, seed: 7, split: 'test' }).get(3);
    expect(other.extra).not.toEqual(forward[0]?.extra);
    expect(test.extra).not.toEqual(forward[0]?.extra);
    expect(triangleDataset().size).toBe(50_000);
    expect(triangleDataset({ split: 'test' }).size).toBe(10_000);
  });

  it('repeats the channel for channels 3 and rejects bad indices and options', () => {
    const one = triangleDataset({ size: 5 }).get(2);
    const three = triangleDataset({ size: 5, channels: 3 });
    expect(three.imageShape).toEqual([64, 64, 3]);
    expect(three.normalization.mean).toHaveLength(3);
    const img = three.get(2).image;
    for (let p = 0; p < 4096; p++) expect(img[3 * p + 2]).toBe(one.image[p]);
    expect(() => three.get(5)).toThrow(/index 5 is outside \[0, 5\)/);
    expect(() => triangleDataset({ size: 0 })).toThrow(ConfigError);
    expect(() => triangleDataset({ channels: 2 as 1 })).toThrow(/channels: must be 1 or 3/);
  });

  it('has normalisation statistics that match generated data', () => {
    const ds = triangleDataset({ size: 1500, seed: 'stats-check' });
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < ds.size; i++) {
      for (const v of ds.get(i).image) {
        sum += v / 255;
        sq += (v / 255) ** 2;
      }
    }
    const n = ds.size * 4096;
    const mean = sum / n;
    expect(mean).toBeCloseTo(TRIANGLE_NORMALIZATION.mean[0] as number, 2);
    expect(Math.sqrt(sq / n - mean * mean)).toBeCloseTo(TRIANGLE_NORMALIZATION.std[0] as number, 2);
  });
});

describe('freshTriangleDataset', () => {
  it('draws new examples from the rng on every pass, reproducibly', async () => {
    await expectFreshPassesReproducible(freshTriangleDataset({ samplesPerEpoch: 20 }), 20);
  });
});
