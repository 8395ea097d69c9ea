import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { triangleDataset } from '@ait/datasets';
import { useTempDir } from '@ait/core/testing';
import { cli } from './helpers';

describe('ait data generate / info', () => {
  const dir = useTempDir('ait-cli-');

  it('writes train/ and test/ Triangle sets that equal the generator', async () => {
    const out = join(dir(), 'tri');
    const r = await cli('data', 'generate', 'triangle', '--n', '12', '--test-n', '4', '--seed', '3', '--out', out, '--json');
    expect(r.code).toBe(0);
    const res = JSON.parse(r.out) as {
      task: string;
      seed: number;
      train: { dir: string; count: number };
      test: { dir: string; count: number };
    };
    expect(res).toMatchObject({ task: 'triangle', seed: 3, train: { count: 12 }, test: { count: 4 } });
    for (const split of ['train', 'test']) expect(existsSync(join(out, split, 'manifest.json'))).toBe(true);
    const manifest = JSON.parse(await readFile(join(out, 'train', 'manifest.json'), 'utf8')) as { count: number; seed: number };
    expect(manifest).toMatchObject({ count: 12, seed: 3 });
    // The labels file holds the generator's labels (an independent read of the IDX bytes: 8-byte header for [n]).
    const labels = await readFile(join(out, 'train', 'labels.idx'));
    const expected = Array.from({ length: 12 }, (_, i) => triangleDataset({ split: 'train', size: 12, seed: 3 }).get(i).label);
    expect(Array.from(labels.subarray(labels.length - 12))).toEqual(expected);

    const info = await cli('data', 'info', out, '--json');
    expect(info.code).toBe(0);
    const parsed = JSON.parse(info.out) as {
      train: { size: number; imageShape: number[]; classes: number; labelNames: string[] };
      test: { size: number };
    };
    expect(parsed.train).toMatchObject({ size: 12, imageShape: [64, 64, 1], classes: 2, labelNames: ['equilateral', 'not equilateral'] });
    expect(parsed.test.size).toBe(4);
  });

  it('describes a named data set in text and rejects unknown tasks and folders', async () => {
    const r = await cli('data', 'info', 'triangle');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/image shape\s+\[64, 64, 1\]/);
    expect(r.out).toMatch(/classes\s+2: equilateral, not equilateral/);
    const bad = await cli('data', 'generate', 'circles');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/Unknown task "circles"; choose one of triangle, sort-of-clevr/);
    const empty = await cli('data', 'info', dir());
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/holds no data set: expected a manifest.json/);
  });
});
