import { describe, expect, it } from 'vitest';
import { cli } from './helpers';

describe('ait: help, errors and exit codes', () => {
  it('prints help with examples for the programme and every command, exit 0', async () => {
    for (const argv of [
      ['--help'],
      ['train', '--help'],
      ['eval', '--help'],
      ['models', '--help'],
      ['inspect', '--help'],
      ['data', 'generate', '--help'],
      ['data', 'info', '--help'],
    ]) {
      const r = await cli(...argv);
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.out, argv.join(' ')).toContain('Examples:');
      expect(r.out).toContain('$ ait');
    }
  });

  it('rejects an unknown command and an unknown option with exit 2 and a suggestion', async () => {
    const a = await cli('trian');
    expect(a.code).toBe(2);
    expect(a.err).toMatch(/unknown command 'trian'/);
    expect(a.err).toMatch(/Did you mean train\?/);
    const b = await cli('train', '--epoch', '3');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/unknown option '--epoch'/);
    expect(b.err).toMatch(/--epochs/);
  });

  it('rejects bad option values with the expected form', async () => {
    const r = await cli('train', '--epochs', 'two');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/expected an integer >= 1, got "two"/);
    const b = await cli('train', '--backend', 'gpu');
    expect(b.code).toBe(2);
    expect(b.err).toMatch(/Allowed choices are auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu/);
  });

  it('lists the valid models and data sets for unknown ones, in one line, exit 2', async () => {
    const m = await cli('train', '--model', 'ait-huge', '--json');
    expect(m.code).toBe(2);
    expect(m.err.trim().split('\n')).toHaveLength(1);
    expect(m.err).toMatch(/^error: Unknown model "ait-huge". Choose one of: .*ait-tiny/);
    expect(JSON.parse(m.out)).toMatchObject({ exitCode: 2, error: expect.stringContaining('ait-huge') });
    const d = await cli('train', '--dataset', 'imagenet');
    expect(d.code).toBe(2);
    expect(d.err).toMatch(/Unknown data set "imagenet". Choose one of: triangle, sort-of-clevr, mnist/);
  });

  it('ait models --json lists the registry with positive parameter counts', async () => {
    const r = await cli('models', '--scale', 'cpu', '--family', 'ait', '--json');
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.out) as {
      command: string;
      models: {
        name: string;
        family: string;
        scale: string;
        parameters: number;
        description: string;
        recipe: { lr: number; epochs: number };
      }[];
    };
    expect(parsed.command).toBe('models');
    const names = parsed.models.map((m) => m.name);
    expect(names).toContain('ait-tiny');
    // the preset's own recipe over the cpu scale's defaults
    expect(parsed.models.find((m) => m.name === 'ait-tiny-conv')?.recipe).toMatchObject({ lr: 0.002, epochs: 3, batchSize: 64 });
    expect(parsed.models.find((m) => m.name === 'ait-tiny')?.recipe).toMatchObject({ lr: 0.001, epochs: 3 });
    for (const m of parsed.models) {
      expect(m.family).toBe('ait');
      expect(m.scale).toBe('cpu');
      expect(m.parameters).toBeGreaterThan(1000);
      expect(m.description.length).toBeGreaterThan(0);
    }
    const table = await cli('models', '--scale', 'cpu', '--family', 'ait');
    expect(table.out).toMatch(/^name\s+family\s+scale\s+parameters\s+description/);
    const bad = await cli('models', '--family', 'resnet');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/Unknown model family "resnet"; choose one of .*ait/);
  });
});

describe('ait bench', () => {
  it('prints one table row per model and --json rows with consistent rates', async () => {
    const r = await cli(
      'bench',
      '--suite',
      'models',
      '--models',
      'ait-tiny',
      '--batch-size',
      '4',
      '--steps',
      '1',
      '--backend',
      'cpu',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const b = JSON.parse(r.out) as {
      backend: string;
      rows: {
        model: string;
        batchSize: number;
        trainStepMs: number;
        trainImagesPerSecond: number;
        inferenceMs: number;
        inferenceImagesPerSecond: number;
        parameters: number;
      }[];
    };
    expect(b.backend).toBe('cpu');
    expect(b.rows).toHaveLength(1);
    const row = b.rows[0] as (typeof b.rows)[number];
    expect(row.model).toBe('ait-tiny');
    expect(row.trainImagesPerSecond).toBeCloseTo((4 * 1000) / row.trainStepMs, 6);
    expect(row.inferenceImagesPerSecond).toBeCloseTo((4 * 1000) / row.inferenceMs, 6);
    const bad = await cli('bench', '--models', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/Unknown model "nope"/);
    const badSuite = await cli('bench', '--suite', 'gpu');
    expect(badSuite.code).toBe(2);
    expect(badSuite.err).toMatch(/gpu.*models, kernels, all|Allowed choices are all, models, kernels/);
  });

  it("runs @ait/core's kernel cases and prints both suites in one table", async () => {
    const r = await cli('bench', '--suite', 'kernels', '--steps', '1', '--backend', 'wasm', '--json');
    expect(r.code, r.err).toBe(0);
    const b = JSON.parse(r.out) as {
      rows: unknown[];
      kernels: {
        matmul: { n: number; case: string; ms: number; gflops: number }[];
        attention: { forward_ms: number };
        train: { median_ms: number; images_per_s: number; batch: number };
      };
    };
    expect(b.rows).toEqual([]);
    expect(b.kernels.matmul.map((m) => `${m.n}${m.case}`)).toEqual(
      [128, 256, 512].flatMap((n) => ['nn', 'nt', 'tn', 'tt'].map((c) => `${n}${c}`)),
    );
    for (const m of b.kernels.matmul) expect(m.gflops).toBeCloseTo((2 * m.n ** 3) / (m.ms * 1e6), 6);
    expect(b.kernels.attention.forward_ms).toBeGreaterThan(0);
    expect(b.kernels.train.images_per_s).toBeCloseTo((b.kernels.train.batch * 1000) / b.kernels.train.median_ms, 6);
    const both = await cli('bench', '--models', 'ait-tiny', '--batch-size', '4', '--steps', '1', '--backend', 'wasm');
    expect(both.code, both.err).toBe(0);
    const lines = both.out.trim().split('\n');
    expect(lines[0]).toMatch(/^suite\s+case\s+ms\s+rate\s+unit/);
    expect(lines.filter((l) => l.startsWith('models '))).toHaveLength(2);
    expect(lines.filter((l) => /^kernels\s+matmul/.test(l))).toHaveLength(12);
    expect(both.out).toMatch(/reference ViT train step/);
  }, 120_000);
});
