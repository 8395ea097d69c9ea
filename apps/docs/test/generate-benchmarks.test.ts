import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_TABLE_COLUMNS, barChartSvg, generateBenchmarks } from '../scripts/generate-benchmarks.mjs';

const root = mkdtempSync(join(tmpdir(), 'ait-docs-bench-'));

describe('benchmark pages generated from bench-results JSON', () => {
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('turns the newest file of a series into a table and a plot, and says how to produce missing results', async () => {
    const dir = join(root, 'packages', 'vision', 'bench-results');
    mkdirSync(dir, { recursive: true });
    const old = {
      rows: [
        { model: 'old-model', imagesPerSecond: 1 },
        { model: 'other', imagesPerSecond: 2 },
      ],
    };
    const fresh = {
      backend: 'wasm',
      rows: [
        { model: 'ait-tiny', imagesPerSecond: 127.5 },
        { model: 'vit-tiny', imagesPerSecond: 349.4 },
      ],
    };
    writeFileSync(join(dir, 'vision-2026-01-01T00-00-00-000Z.json'), JSON.stringify(old));
    writeFileSync(join(dir, 'vision-2026-02-01T00-00-00-000Z.json'), JSON.stringify(fresh));
    const docs = join(root, 'docs');
    const summary = await generateBenchmarks(root, docs);

    const vision = readFileSync(join(docs, 'benchmarks', 'vision.md'), 'utf8');
    expect(summary.find((s) => s.pkg === 'vision')?.files.map((f) => f.name)).toEqual(['vision-2026-02-01T00-00-00-000Z.json']);
    expect(vision).toContain('| ait-tiny | 127.5 |'); // the numbers come from the JSON
    expect(vision).toContain('| vit-tiny | 349.4 |');
    expect(vision).not.toContain('old-model');
    expect(vision).toContain('backend = `wasm`');
    const plot = vision.match(/\(\/plots\/([^)]+\.svg)\)/)?.[1];
    expect(plot).toBeDefined();
    const svg = readFileSync(join(docs, 'public', 'plots', plot!), 'utf8');
    // Bars are proportional to the values: the largest spans the plot width (440 px).
    const widths = [...svg.matchAll(/<rect x="330" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths).toHaveLength(2);
    expect(widths[1]).toBeCloseTo(440, 1);
    expect(widths[0]! / widths[1]!).toBeCloseTo(127.5 / 349.4, 2);

    const core = readFileSync(join(docs, 'benchmarks', 'core.md'), 'utf8');
    expect(core).toContain('No results yet');
    expect(core).toContain('bench');
  });

  it('prefers the published files of results/bench/<pkg>/ to local bench-results/', async () => {
    const published = join(root, 'results', 'bench', 'vision');
    mkdirSync(published, { recursive: true });
    writeFileSync(
      join(published, 'vision-2025-12-01T00-00-00-000Z.json'),
      JSON.stringify({
        rows: [
          { model: 'published-a', imagesPerSecond: 10 },
          { model: 'published-b', imagesPerSecond: 20 },
        ],
      }),
    );
    const docs = join(root, 'docs-published');
    const summary = await generateBenchmarks(root, docs);
    const vision = readFileSync(join(docs, 'benchmarks', 'vision.md'), 'utf8');
    // older than the local file of the first test, and still the one shown: it is the published one
    expect(summary.find((s) => s.pkg === 'vision')?.files.map((f) => f.name)).toEqual(['vision-2025-12-01T00-00-00-000Z.json']);
    expect(vision).toContain('| published-a | 10 |');
    expect(vision).toContain('`results/bench/vision/`');
    expect(vision).not.toContain('ait-tiny');
  });

  it('splits a table wider than the page into compact tables that each repeat the row names', async () => {
    const dir = join(root, 'results', 'bench', 'hopfield');
    mkdirSync(dir, { recursive: true });
    const row = (model: string, k: number) =>
      Object.fromEntries([['model', model], ...Array.from({ length: 8 }, (_, i) => [`m${i}`, k * 10 + i])]);
    writeFileSync(join(dir, 'hopfield-2026-01-01T00-00-00-000Z.json'), JSON.stringify({ rows: [row('a', 1), row('b', 2)] }));
    const docs = join(root, 'docs-wide');
    await generateBenchmarks(root, docs);
    const page = readFileSync(join(docs, 'benchmarks', 'hopfield.md'), 'utf8');
    const heads = page.split('\n').filter((l) => l.startsWith('| model |'));
    expect(MAX_TABLE_COLUMNS).toBe(5);
    expect(heads).toEqual(['| model | m0 | m1 | m2 | m3 |', '| model | m4 | m5 | m6 | m7 |']);
    expect(page).toContain('| b | 24 | 25 | 26 | 27 |');
    expect(page.match(/<div class="data-table">/g)).toHaveLength(2);
  });

  it('shortens long bar labels so that they stay inside the picture', () => {
    const long = 'image folder: decode PNG/JPEG 96x96 + resize to 64x64, then normalise';
    const svg = barChartSvg(
      't',
      [
        { label: long, value: 1 },
        { label: 'short', value: 2 },
      ],
      'ms',
    );
    expect(svg).toContain(`>${long.slice(0, 41)}...</text>`);
    expect(svg).toContain('>short</text>');
  });

  it('escapes labels in the SVG', () => {
    const svg = barChartSvg(
      'a < b & c',
      [
        { label: '<x>', value: 1 },
        { label: 'y', value: 2 },
      ],
      'ms',
    );
    expect(svg).toContain('a &lt; b &amp; c');
    expect(svg).toContain('&lt;x&gt;');
    expect(svg).not.toContain('<x>');
  });
});
