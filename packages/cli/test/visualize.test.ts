import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import type { BottleneckReport } from '../src/commands/visualize';
import { cli, expectFilesIn, TINY_AIT } from './helpers';

interface VisualizeJson {
  files: string[];
  bottleneck: BottleneckReport | null;
  warnings: string[];
}

/** The text of an SVG's <text> elements joined by spaces (wrapped lines read as one). */
function svgText(svg: string): string {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)]
    .map((m) => (m[1] as string).replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&'))
    .join(' ');
}

describe('ait visualize: honest bottleneck figures (tiny AiT, k = 16 = tokens, batch competition)', () => {
  const dir = useTempDir('ait-vis-');
  let run: string;
  beforeAll(async () => {
    run = join(dir(), 'run');
    const config = join(dir(), 'k16.yaml');
    const settings = { model: 'ait-tiny', dataset: 'triangle', trainSize: 16, testSize: 8, batchSize: 8, epochs: 1, backend: 'cpu' };
    const model = { ...TINY_AIT, topK: 16, competition: 'batch' };
    await writeFile(
      config,
      [
        ...Object.entries(settings).map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
        'modelConfig:',
        ...Object.entries(model).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`),
        '',
      ].join('\n'),
    );
    const r = await cli('train', '--config', config, '--out', run, '--json');
    expect(r.code, r.err).toBe(0);
  });

  it('one image: per-sample competition by default, and k >= tokens is stated in the output and in every figure', async () => {
    const out = join(dir(), 'one');
    const r = await cli('visualize', run, '--image', '0', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const v = JSON.parse(r.out) as VisualizeJson;
    expect(v.bottleneck).toMatchObject({ trained: 'batch', shown: 'sample', images: 1, competingTokens: 16, topK: 16, off: true });
    expect(v.warnings).toEqual([
      'k = 16 >= 16 competing tokens: every token is selected, so the bottleneck is off in these figures. ' +
        'Use --competition batch to let the tokens of a batch of test images compete.',
    ]);
    const gate = svgText(await readFile(join(out, 'block0_gwl_gate.svg'), 'utf8'));
    expect(gate).toContain("per-sample competition: this image's 16 tokens compete alone");
    expect(gate).toContain('the model was trained with batch competition');
    expect(gate).toContain('k = 16 >= 16 competing tokens: every token is selected');
    // text output: the warning on stderr, the note on stdout
    const text = await cli('visualize', run, '--image', '0', '--out', out);
    expect(text.err).toMatch(/^warning: k = 16 >= 16 competing tokens/m);
    expect(text.out).toMatch(/wrote \d+ figures \(SVG and PNG\)/);
    expect(text.out).toContain('Gates computed with per-sample competition');
  });

  it('every figure is written as SVG and as a decodable PNG of the same size, with colour bars on the heat maps', async () => {
    const out = join(dir(), 'one');
    const r = await cli('visualize', run, '--image', '1', '--out', out, '--json');
    const v = JSON.parse(r.out) as VisualizeJson;
    expectFilesIn(v.files, out, [
      'input.svg',
      'input.png',
      'block0_attention.svg',
      'block0_attention.png',
      'block0_attention_overlay.png',
      'block0_gwl_gate.png',
      'block0_gwl_selection_overlay.svg',
      'block0_gwl_selection_overlay.png',
      'block0_gwl_hopfield_overlay.png',
      'block0_gwl_priors.png',
    ]);
    for (const svgFile of v.files.filter((f) => f.endsWith('.svg'))) {
      const svg = await readFile(svgFile, 'utf8');
      const [, w, h] = /<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg) ?? [];
      const png = PNG.sync.read(await readFile(svgFile.replace(/\.svg$/, '.png')));
      expect([png.width, png.height], svgFile).toEqual([Number(w), Number(h)]);
    }
    // gates [2 heads, 4 slots, 16 tokens]: two panels on the fixed scale, each with a colour bar
    const gate = await readFile(join(out, 'block0_gwl_gate.svg'), 'utf8');
    expect((gate.match(/stroke="#666666"/g) ?? []).length).toBe(2);
    expect(svgText(gate).match(/scale fixed 0\.\.1/g)).toHaveLength(2);
    expect(svgText(gate)).toContain('block0/gwl/gate [2, 4, 16]');
    // the selection overlay: all 16 patches selected by every slot, so every panel is all at 1
    const overlay = svgText(await readFile(join(out, 'block0_gwl_selection_overlay.svg'), 'utf8'));
    expect(overlay).toContain('share of the 4 memory slots that selected each patch token');
    expect(overlay).toMatch(/4x4, values 1\.\.1, scale fixed 0\.\.1/);
  });

  it('--competition batch puts the image in a real batch of test images: 64 tokens compete, the bottleneck is on', async () => {
    const out = join(dir(), 'batch');
    const r = await cli('visualize', run, '--image', '2', '--competition', 'batch', '--batch-size', '4', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const v = JSON.parse(r.out) as VisualizeJson;
    expect(v.bottleneck).toMatchObject({ trained: 'batch', shown: 'batch', images: 4, competingTokens: 64, topK: 16, off: false });
    expect(v.warnings).toEqual([]);
    const gate = svgText(await readFile(join(out, 'block0_gwl_gate.svg'), 'utf8'));
    // the image's own 16 tokens of the batch's 64
    expect(gate).toContain('block0/gwl/gate [2, 4, 16]');
    expect(gate).toContain('this image is the first of a batch of 4 test images whose 64 tokens compete together');
  });
});
