import { SeededRandom } from '@ait/core';
import { describe, expect, it } from 'vitest';
import {
  SORT_OF_CLEVR_NORMALIZATION,
  type SceneObject,
  decodeQuestion,
  describeQuestion,
  encodeQuestion,
  freshSortOfClevrDataset,
  sampleScene,
  sortOfClevrDataset,
  takeSamples,
} from '../src/index';

// ---- An independent reading of the rules (design note "Sort-of-CLEVR"), in plain float64 JS. ----

function oneHotIndex(v: Float32Array, from: number, to: number): number {
  const hits: number[] = [];
  for (let i = from; i < to; i++) if (v[i] === 1) hits.push(i - from);
  return hits.length === 1 ? (hits[0] as number) : -1;
}

function referenceAnswer(objects: readonly SceneObject[], q: Float32Array): number {
  const subject = oneHotIndex(q, 0, 6);
  const type = oneHotIndex(q, 12, 15);
  const sub = oneHotIndex(q, 15, 18);
  const me = objects.find((o) => o.colour === subject) as SceneObject;
  const shapeClass = (o: SceneObject): number => (o.shape === 'square' ? 2 : 3);
  if (type === 0) {
    if (sub === 0) return shapeClass(me);
    if (sub === 1) return me.x < 75 / 2 ? 0 : 1;
    return me.y < 75 / 2 ? 0 : 1;
  }
  if (type === 1) {
    const others = objects.filter((o) => o !== me).map((o) => ({ o, d: Math.hypot(o.x - me.x, o.y - me.y) }));
    if (sub === 2) return 4 + others.filter(({ o }) => o.shape === me.shape).length;
    const sorted = [...others].sort((a, b) => (sub === 0 ? a.d - b.d : b.d - a.d) || a.o.colour - b.o.colour);
    return shapeClass((sorted[0] as { o: SceneObject }).o);
  }
  const second = oneHotIndex(q, 6, 12);
  const a = me;
  const b = objects.find((o) => o.colour === second) as SceneObject;
  const rest = objects.filter((o) => o !== a && o !== b);
  if (sub === 0) {
    const inside = rest.filter(
      (c) => c.x > Math.min(a.x, b.x) && c.x < Math.max(a.x, b.x) && c.y > Math.min(a.y, b.y) && c.y < Math.max(a.y, b.y),
    );
    return 4 + inside.length;
  }
  if (sub === 1) {
    const near = rest.some((c) => {
      if (a.x === b.x) return c.x === a.x; // vertical line: only its own column is at vertical distance 0
      const yOnLine = a.y + ((b.y - a.y) * (c.x - a.x)) / (b.x - a.x);
      return Math.abs(c.y - yOnLine) <= 12;
    });
    return near ? 0 : 1;
  }
  // Law of cosines: obtuse iff the longest side squared exceeds the sum of the other two squared.
  const sq = (p: SceneObject, r: SceneObject): number => (p.x - r.x) ** 2 + (p.y - r.y) ** 2;
  const obtuse = rest.filter((c) => {
    const s = [sq(a, b), sq(b, c), sq(a, c)].sort((u, v) => u - v);
    return (s[2] as number) > (s[0] as number) + (s[1] as number);
  });
  return 4 + obtuse.length;
}

const RGB: Record<number, number[]> = {
  0: [255, 0, 0],
  1: [0, 255, 0],
  2: [0, 0, 255],
  3: [255, 156, 0],
  4: [128, 128, 128],
  5: [255, 255, 0],
};

function referenceImage(objects: readonly SceneObject[]): number[] {
  const img: number[] = new Array<number>(75 * 75 * 3).fill(255);
  for (const o of objects) {
    for (let y = 0; y < 75; y++) {
      for (let x = 0; x < 75; x++) {
        const dx = x - o.x;
        const dy = y - o.y;
        const covered = o.shape === 'square' ? Math.abs(dx) <= 5 && Math.abs(dy) <= 5 : dx * dx + dy * dy <= 25;
        if (covered) img.splice((y * 75 + x) * 3, 3, ...(RGB[o.colour] as number[]));
      }
    }
  }
  return img;
}

describe('Sort-of-CLEVR generator', () => {
  const ds = sortOfClevrDataset({ images: 200, seed: 'answers' });

  it('agrees with an independent answer computation on every question of a generated set', () => {
    expect(ds.size).toBe(6000);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < ds.size; i++) {
      const s = ds.get(i);
      const q = s.inputs?.[0] as Float32Array;
      expect(s.label).toBe(referenceAnswer(s.extra?.objects ?? [], q));
      counts[s.label] = (counts[s.label] as number) + 1;
    }
    // Every answer kind occurs: yes, no, square, circle and counts 0..3 at least.
    for (let c = 0; c < 8; c++) expect(counts[c]).toBeGreaterThan(0);
  });

  it('places six distinct colours with integer centres in [5, 70), never closer than 10 px', () => {
    const rng = new SeededRandom('layout');
    let minDistance = Infinity;
    for (let k = 0; k < 500; k++) {
      const objects = sampleScene(rng);
      expect(objects.map((o) => o.colour)).toEqual([0, 1, 2, 3, 4, 5]);
      for (const o of objects) {
        expect(Number.isInteger(o.x) && Number.isInteger(o.y)).toBe(true);
        expect(o.x).toBeGreaterThanOrEqual(5);
        expect(o.x).toBeLessThan(70);
        expect(o.y).toBeGreaterThanOrEqual(5);
        expect(o.y).toBeLessThan(70);
      }
      for (let i = 0; i < 6; i++) {
        for (let j = i + 1; j < 6; j++) {
          const a = objects[i] as SceneObject;
          const b = objects[j] as SceneObject;
          minDistance = Math.min(minDistance, Math.hypot(a.x - b.x, a.y - b.y));
        }
      }
    }
    expect(minDistance).toBeGreaterThanOrEqual(10);
    expect(minDistance).toBeLessThan(11); // the bound is reached, so the rejection really is at 10
  });

  it('renders exactly the listed objects on white', () => {
    for (let j = 0; j < 40; j++) {
      const s = ds.get(j * 30);
      expect(Array.from(s.image)).toEqual(referenceImage(s.extra?.objects ?? []));
    }
  });

  it('asks 10 questions of each family per image with valid vectors', () => {
    for (let j = 0; j < 20; j++) {
      for (let q = 0; q < 30; q++) {
        const s = ds.get(j * 30 + q);
        const v = s.inputs?.[0] as Float32Array;
        expect(v).toHaveLength(18);
        expect(v.reduce((a, b) => a + b, 0)).toBe(q < 20 ? 3 : 4);
        expect(oneHotIndex(v, 12, 15)).toBe(Math.floor(q / 10));
        expect(s.extra?.imageIndex).toBe(j);
        expect(s.extra?.questionIndex).toBe(q);
        if (q >= 20) {
          const a = oneHotIndex(v, 0, 6);
          const b = oneHotIndex(v, 6, 12);
          expect(a).toBeLessThan(5);
          expect(b).toBeLessThan(5);
          expect(b).toBeGreaterThanOrEqual(0);
          expect(a).not.toBe(b);
        }
        expect(decodeQuestion(v)).toEqual(s.extra?.question);
        expect(Array.from(encodeQuestion(decodeQuestion(v)))).toEqual(Array.from(v));
        expect(describeQuestion(decodeQuestion(v))).toMatch(/\?$/);
      }
    }
  });

  it('rejects malformed question vectors', () => {
    const v = new Float32Array(18);
    expect(() => decodeQuestion(v)).toThrow(/subject colour is not one-hot/);
    v[0] = 1;
    v[12] = 1;
    v[15] = 1;
    expect(decodeQuestion(v)).toEqual({ type: 'non-relational', subtype: 0, subject: 0 });
    v[7] = 1;
    expect(() => decodeQuestion(v)).toThrow(/only ternary questions name a second colour/);
    expect(() => decodeQuestion(new Float32Array(17))).toThrow(/length 17/);
  });

  it('is deterministic per image index and has matching normalisation statistics', () => {
    const other = sortOfClevrDataset({ images: 200, seed: 'answers' });
    expect(other.get(5999).extra).toEqual(ds.get(5999).extra);
    expect(Array.from(other.get(31).image)).toEqual(Array.from(ds.get(31).image));
    expect(sortOfClevrDataset().size).toBe(9800 * 30);
    expect(sortOfClevrDataset({ split: 'test' }).size).toBe(200 * 30);
    const sum = [0, 0, 0];
    const sq = [0, 0, 0];
    for (let j = 0; j < 200; j++) {
      const img = ds.get(j * 30).image;
      for (let i = 0; i < img.length; i++) {
        const v = (img[i] as number) / 255;
        sum[i % 3] = (sum[i % 3] as number) + v;
        sq[i % 3] = (sq[i % 3] as number) + v * v;
      }
    }
    const n = 200 * 75 * 75;
    for (let c = 0; c < 3; c++) {
      const mean = (sum[c] as number) / n;
      expect(Math.abs(mean - (SORT_OF_CLEVR_NORMALIZATION.mean[c] as number))).toBeLessThan(0.01);
      expect(Math.abs(Math.sqrt((sq[c] as number) / n - mean * mean) - (SORT_OF_CLEVR_NORMALIZATION.std[c] as number))).toBeLessThan(0.02);
    }
  });

  it('generates fresh images per pass, reproducibly for an rng state', async () => {
    const fresh = freshSortOfClevrDataset({ imagesPerEpoch: 3, questionsPerType: 2 });
    expect(fresh.size).toBe(18);
    const rng = new SeededRandom(1);
    const state = rng.getState();
    const a = await takeSamples(fresh, 100, rng);
    const b = await takeSamples(fresh, 100, SeededRandom.fromState(state));
    expect(a).toHaveLength(18);
    expect(a.map((s) => s.label)).toEqual(b.map((s) => s.label));
    for (const s of a) expect(s.label).toBe(referenceAnswer(s.extra?.objects ?? [], s.inputs?.[0] as Float32Array));
  });
});
