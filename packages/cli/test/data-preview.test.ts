import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Dataset, type Sample, describeQuestion, loadDataset, type SortOfClevrExtra } from '@ait/datasets';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import type { PreviewExample, PreviewGrid } from '../src/commands/data-preview';
import { cli } from './helpers';

interface PreviewJson {
  name: string;
  split: string;
  imageShape: number[];
  grid: PreviewGrid;
  examples: PreviewExample[];
  files: { png: string; svg: string };
}

async function preview(...args: string[]): Promise<PreviewJson> {
  const r = await cli('data', 'preview', ...args, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as PreviewJson;
}

async function readPng(path: string): Promise<PNG> {
  return PNG.sync.read(await readFile(path));
}

function get(data: Dataset, index: number): Sample {
  if (data.access !== 'random') throw new Error('test expects a random-access set');
  return data.get(index);
}

/** Every pixel of every example's cell in the PNG equals the example's own pixel (grey replicated to RGB). */
function expectCellsEqualExamples(png: PNG, p: PreviewJson, data: Dataset): void {
  const [h, w, c] = p.imageShape as [number, number, number];
  const { scale, gap } = p.grid;
  let mismatches = 0;
  for (const e of p.examples) {
    const sample = get(data, e.index);
    const ox = gap + e.col * (w * scale + gap);
    const oy = gap + e.row * (h * scale + gap);
    for (let y = 0; y < h * scale; y++) {
      for (let x = 0; x < w * scale; x++) {
        const src = (Math.floor(y / scale) * w + Math.floor(x / scale)) * c;
        const o = ((oy + y) * png.width + ox + x) * 4;
        for (let k = 0; k < 3; k++) {
          const raw = sample.image[src + (c === 3 ? k : 0)] as number;
          const want = sample.image instanceof Uint8Array ? raw : Math.round(raw * 255);
          if (png.data[o + k] !== want) mismatches++;
        }
      }
    }
  }
  expect(mismatches).toBe(0);
}

describe('ait data preview', () => {
  const dir = useTempDir('ait-preview-');

  it('triangle: a PNG grid whose cells are the chosen examples, labels in the SVG and JSON', async () => {
    const out = join(dir(), 'tri.png');
    const p = await preview('triangle', '--n', '5', '--seed', '1', '--out', out);
    // 5 examples: 3 columns, 2 rows of 64 x 64 images at scale 2 with 4-pixel gaps
    expect(p.grid).toEqual({ rows: 2, cols: 3, scale: 2, gap: 4, width: 4 + 3 * 132, height: 4 + 2 * 132 });
    expect(p.examples).toHaveLength(5);
    expect(new Set(p.examples.map((e) => e.index)).size).toBe(5);
    const png = await readPng(out);
    expect([png.width, png.height]).toEqual([p.grid.width, p.grid.height]);
    const data = await loadDataset({ name: 'triangle', split: 'train', size: 30_000 });
    expectCellsEqualExamples(png, p, data);
    // the gaps between cells are grey
    expect(Array.from(png.data.subarray(0, 3))).toEqual([0x9a, 0x9a, 0x9a]);
    const svg = await readFile(p.files.svg, 'utf8');
    expect(p.files.svg).toBe(join(dir(), 'tri.svg'));
    for (const e of p.examples) {
      expect(e.labelName).toBe(data.labelNames[get(data, e.index).label]);
      expect(svg).toContain(`#${e.index}: ${e.labelName}</text>`);
    }
    expect((svg.match(/<image /g) ?? []).length).toBe(5);
    // the seed picks the examples: same seed, same choice; another seed, another one
    const again = await preview('triangle', '--n', '5', '--seed', '1', '--out', join(dir(), 'tri2.png'));
    expect(again.examples.map((e) => e.index)).toEqual(p.examples.map((e) => e.index));
    const other = await preview('triangle', '--n', '5', '--seed', '2', '--out', join(dir(), 'tri3.png'));
    expect(other.examples.map((e) => e.index)).not.toEqual(p.examples.map((e) => e.index));
  });

  it('sort-of-clevr: colour cells, one question per image, the question and answer written out', async () => {
    const p = await preview('sort-of-clevr', '--n', '4', '--split', 'test', '--out', join(dir(), 'soc.png'));
    expect(p.name).toBe('sort-of-clevr-test');
    const data = await loadDataset({ name: 'sort-of-clevr', split: 'test', images: 200 });
    expectCellsEqualExamples(await readPng(p.files.png), p, data);
    const images = p.examples.map((e) => (get(data, e.index).extra as SortOfClevrExtra).imageIndex);
    expect(new Set(images).size).toBe(4);
    const svg = await readFile(p.files.svg, 'utf8');
    for (const e of p.examples) {
      const sample = get(data, e.index);
      expect(e.question).toBe(describeQuestion((sample.extra as SortOfClevrExtra).question));
      expect(e.labelName).toBe(data.labelNames[sample.label]);
      expect(svg).toContain(`#${e.index}: answer ${e.labelName}</text>`);
      // the question's first words open a text line of the cell
      expect(svg).toContain(`>${(e.question as string).split(' ').slice(0, 3).join(' ')}`);
    }
  });

  it('mnist: the test split at scale 4, and text output without --json', async () => {
    const p = await preview('mnist', '--n', '2', '--split', 'test', '--seed', '7', '--out', join(dir(), 'sub', 'mnist.png'));
    expect(p.grid).toMatchObject({ rows: 1, cols: 2, scale: 4, width: 4 + 2 * (112 + 4), height: 4 + 112 + 4 });
    const data = await loadDataset({ name: 'mnist', split: 'test' });
    expectCellsEqualExamples(await readPng(p.files.png), p, data);
    const r = await cli('data', 'preview', 'mnist', '--n', '2', '--out', join(dir(), 'm.png'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^2 examples of mnist-train in a 1 x 2 grid: .*m\.png \(236 x 120 pixels\), labelled in .*m\.svg/);
  });

  it('refuses an --out that is not a .png file and an unknown data set', async () => {
    const bad = await cli('data', 'preview', 'triangle', '--out', join(dir(), 'x.jpg'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/name a \.png file/);
    const unknown = await cli('data', 'preview', 'no-such-set');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/Unknown data set "no-such-set"/);
  });
});
