import { readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  openSortOfClevrSet,
  openSyntheticSet,
  openTriangleSet,
  sortOfClevrDataset,
  triangleDataset,
  writeSortOfClevrSet,
  writeTriangleSet,
} from '../src/index';
import { tempDirs } from './helpers/temp-dir';

const temp = tempDirs('synthetic');
afterAll(() => temp.cleanup());

/** Reads an IDX header by hand: [magic, ...dims]. */
async function idxHeader(path: string): Promise<number[]> {
  const b = await readFile(path);
  const rank = b[3] as number;
  return [b.readUInt32BE(0), ...Array.from({ length: rank }, (_, i) => b.readUInt32BE(4 + 4 * i))];
}

describe('Triangle sets on disk', () => {
  it('writes documented IDX files and reads back exactly the generated set, in memory and from disk', async () => {
    const dir = await temp.make();
    const progress: number[] = [];
    const manifest = await writeTriangleSet(dir, { size: 40, seed: 5, split: 'test', onProgress: (w) => progress.push(w) });
    expect(manifest).toMatchObject({ task: 'triangle', count: 40, split: 'test', seed: 5 });
    expect(progress).toEqual([40]);
    expect((await readdir(dir)).sort()).toEqual(['images.idx', 'labels.idx', 'manifest.json', 'points.idx', 'vertices.idx']);
    expect(await idxHeader(join(dir, 'images.idx'))).toEqual([0x803, 40, 64, 64]);
    expect(await idxHeader(join(dir, 'labels.idx'))).toEqual([0x801, 40]);
    expect(await idxHeader(join(dir, 'vertices.idx'))).toEqual([0x803, 40, 3, 2]);
    expect(await idxHeader(join(dir, 'points.idx'))).toEqual([0x803, 40, 24, 2]);

    const generated = triangleDataset({ size: 40, seed: 5, split: 'test' });
    const memory = await openTriangleSet(dir);
    const disk = await openTriangleSet(dir, { mode: 'disk' });
    expect(memory.size).toBe(40);
    expect(disk.access).toBe('async-random');
    for (const i of [0, 17, 39]) {
      const g = generated.get(i);
      const m = memory.get(i);
      const d = await disk.read(i);
      expect(Array.from(m.image)).toEqual(Array.from(g.image));
      expect(Array.from(d.image)).toEqual(Array.from(g.image));
      expect([m.label, d.label]).toEqual([g.label, g.label]);
      expect(m.extra).toEqual(g.extra);
      expect(d.extra).toEqual(g.extra);
    }
    const rgb = await openTriangleSet(dir, { channels: 3 });
    expect(rgb.get(3).image).toHaveLength(64 * 64 * 3);
    await disk.close?.();
    expect((await openSyntheticSet(dir)).name).toBe('triangle-test');
  });

  it('names the file and the problem for missing, corrupt, truncated or mismatched files', async () => {
    const dir = await temp.make();
    await writeTriangleSet(dir, { size: 10 });
    const empty = await temp.make();
    await expect(openTriangleSet(empty)).rejects.toThrow(/manifest\.json not found.*writeTriangleSet/);

    const manifestPath = join(dir, 'manifest.json');
    const good = await readFile(manifestPath, 'utf8');
    await writeFile(manifestPath, '{ "format": ');
    await expect(openTriangleSet(dir)).rejects.toThrow(/manifest\.json is not valid JSON/);
    await writeFile(manifestPath, good.replace('"count": 10', '"count": 12'));
    await expect(openTriangleSet(dir)).rejects.toThrow(/images\.idx holds uint8 \[10, 64, 64\].*implies uint8 \[12, 64, 64\]/);
    await writeFile(manifestPath, good.replace('"task": "triangle"', '"task": "sort-of-clevr"'));
    await expect(openTriangleSet(dir)).rejects.toThrow(/describes a sort-of-clevr set, not triangle/);
    await writeFile(manifestPath, good);

    await truncate(join(dir, 'points.idx'), 100);
    await expect(openTriangleSet(dir)).rejects.toThrow(/points\.idx: truncated/);
    await expect(openTriangleSet(dir, { mode: 'disk' })).rejects.toThrow(/points\.idx: truncated/);
    await rm(join(dir, 'vertices.idx'));
    await expect(openTriangleSet(dir)).rejects.toThrow(/IDX file not found: .*vertices\.idx/);
  });
});

describe('Sort-of-CLEVR sets on disk', () => {
  it('writes and reads back the generated set, checking answers against the stored objects', async () => {
    const dir = await temp.make();
    await writeSortOfClevrSet(dir, { images: 6, seed: 2, questionsPerType: 3 });
    expect(await idxHeader(join(dir, 'images.idx'))).toEqual([0x804, 6, 75, 75, 3]);
    expect(await idxHeader(join(dir, 'objects.idx'))).toEqual([0x803, 6, 6, 3]);
    expect(await idxHeader(join(dir, 'questions.idx'))).toEqual([0x803, 6, 9, 18]);
    expect(await idxHeader(join(dir, 'answers.idx'))).toEqual([0x802, 6, 9]);
    const generated = sortOfClevrDataset({ images: 6, seed: 2, questionsPerType: 3 });
    const memory = await openSortOfClevrSet(dir);
    const disk = await openSortOfClevrSet(dir, { mode: 'disk' });
    expect(memory.size).toBe(54);
    expect(memory.extraInputs).toEqual([{ name: 'question', shape: [18] }]);
    for (let i = 0; i < 54; i += 5) {
      const g = generated.get(i);
      for (const s of [memory.get(i), await disk.read(i)]) {
        expect(Array.from(s.image)).toEqual(Array.from(g.image));
        expect(s.label).toBe(g.label);
        expect(Array.from(s.inputs?.[0] ?? [])).toEqual(Array.from(g.inputs?.[0] ?? []));
        expect(s.extra).toEqual(g.extra);
      }
    }
    await disk.close?.();
    expect((await openSyntheticSet(dir)).name).toBe('sort-of-clevr-train');
  });

  it('detects a stored answer that disagrees with the stored objects', async () => {
    const dir = await temp.make();
    await writeSortOfClevrSet(dir, { images: 2, questionsPerType: 1 });
    const path = join(dir, 'answers.idx');
    const bytes = await readFile(path);
    const header = 4 + 4 * 2;
    bytes[header] = ((bytes[header] as number) + 1) % 10;
    await writeFile(path, bytes);
    const ds = await openSortOfClevrSet(dir);
    expect(() => ds.get(0)).toThrow(/answers\.idx: image 0, question 0 stores answer .* the set is corrupt/);
    expect(() => ds.get(1)).not.toThrow();
  });
});
