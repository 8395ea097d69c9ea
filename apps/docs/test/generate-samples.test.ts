import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_PREVIEWS, generateSamples } from '../scripts/generate-samples.mjs';

/** Width and height from a PNG file's IHDR chunk. */
function pngSize(bytes: Buffer): [number, number] {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
}

describe('docs: data set samples', () => {
  let dir: string;
  let files: string[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ait-docs-samples-'));
    files = await generateSamples(dir);
  }, 120_000);
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('writes a PNG grid and a labelled SVG per data set into public/samples', async () => {
    const previews = SAMPLE_PREVIEWS;
    expect(files).toHaveLength(2 * previews.length);
    for (const p of previews) {
      const png = join(dir, 'public', 'samples', p.file);
      expect(files).toContain(png);
      const [w, h] = pngSize(await readFile(png));
      expect(w).toBeGreaterThan(0);
      expect(h).toBeGreaterThan(0);
      const svg = await readFile(png.replace(/\.png$/, '.svg'), 'utf8');
      expect((svg.match(/<image /g) ?? []).length).toBe(p.n);
    }
    const soc = await readFile(join(dir, 'public', 'samples', 'sort-of-clevr.svg'), 'utf8');
    expect(soc.match(/: answer (yes|no|square|circle|\d)<\/text>/g)).toHaveLength(6);
    expect(soc).toMatch(/>(What|Is|How|Does) /);
    const mnist = await readFile(join(dir, 'public', 'samples', 'mnist.svg'), 'utf8');
    expect(mnist.match(/#\d+: \d<\/text>/g)).toHaveLength(16);
  });
});
