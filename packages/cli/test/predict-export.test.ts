import { readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { disposeBatch, fileSystemHandler } from '@ait/core';
import { assembleBatch, type Sample } from '@ait/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import type { Prediction } from '../src/commands/predict';
import type { ExportedModelInfo } from '../src/util/exported-model-info';
import { inferProbabilities } from '../src/util/model-inference';
import { restoreRun } from '../src/util/run-checkpoint';
import { cli, CLI_TEST_TIMEOUT_MS, TINY_AIT, tinyConfigFile } from './helpers';

/** Writes `[h, w, 1]` or `[h, w, 3]` bytes as a PNG file. */
async function writePng(path: string, pixels: Uint8Array, h: number, w: number, c: number): Promise<void> {
  const png = new PNG({ width: w, height: h });
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) png.data[4 * p + k] = pixels[p * c + (c === 1 ? 0 : k)] as number;
    png.data[4 * p + 3] = 255;
  }
  await writeFile(path, PNG.sync.write(png));
}

/** Byte images with some structure (a bright block on noise), `[h, w, c]`. */
function testImage(seed: number, h: number, w: number, c: number): Uint8Array {
  const out = new Uint8Array(h * w * c);
  let s = seed * 7919 + 13;
  for (let i = 0; i < out.length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const p = Math.floor(i / c);
    const [y, x] = [Math.floor(p / w), p % w];
    const inBlock = y > (seed * 5) % (h / 2) && y < ((seed * 5) % (h / 2)) + h / 3 && x > w / 4 && x < (3 * w) / 4;
    out[i] = inBlock ? 230 : s % 60;
  }
  return out;
}

describe('ait predict and ait export (tiny AiT on triangle, cpu)', () => {
  const dir = useTempDir('ait-predict-');
  let run: string;
  let images: string;
  let shape: [number, number, number];
  let labelNames: string[];
  const pixels: Uint8Array[] = [];
  beforeAll(async () => {
    run = join(dir(), 'run');
    const r = await cli('train', '--config', await tinyConfigFile(dir()), '--out', run, '--quiet');
    expect(r.code, r.err).toBe(0);
    const info = await cli('data', 'info', 'triangle', '--json');
    const test = (JSON.parse(info.out) as { test: { imageShape: [number, number, number]; labelNames: string[] } }).test;
    shape = test.imageShape;
    labelNames = test.labelNames;
    images = join(dir(), 'images');
    await mkdir(join(images, 'sub'), { recursive: true });
    for (let i = 0; i < 3; i++) {
      const img = testImage(i + 1, ...shape);
      pixels.push(img);
      await writePng(join(images, i === 2 ? 'sub' : '', `img-${i}.png`), img, ...shape);
    }
  });

  /** The checkpoint's own probabilities for the test images, one image per pass, computed in process. */
  async function checkpointProbabilities(): Promise<Float32Array[]> {
    const { model, data } = await restoreRun(run, undefined, {}, 'cpu');
    const rows: Float32Array[] = [];
    for (const image of pixels) {
      const batch = assembleBatch([{ image, label: 0 } satisfies Sample], data, data.normalization);
      rows.push(...(await inferProbabilities(model, batch.x)));
      disposeBatch(batch);
    }
    model.dispose();
    return rows;
  }

  it('predict: a folder (sub-folders too) in, label names and probabilities out, as the checkpoint computes them', async () => {
    const r = await cli('predict', run, images, '--top', '2', '--backend', 'cpu', '--json');
    expect(r.code, r.err).toBe(0);
    const predictions = JSON.parse(r.out) as Prediction[];
    expect(predictions.map((p) => p.image)).toEqual([
      join(images, 'img-0.png'),
      join(images, 'img-1.png'),
      join(images, 'sub', 'img-2.png'),
    ]);
    const expected = await checkpointProbabilities();
    predictions.forEach((p, i) => {
      const row = expected[i] as Float32Array;
      const best = (row[1] as number) > (row[0] as number) ? 1 : 0;
      expect(p.top).toHaveLength(2);
      expect(p.predicted).toBe(labelNames[best]);
      expect(p.top[0]?.label).toBe(p.predicted);
      expect(p.probability).toBeCloseTo(row[best] as number, 6);
      expect(p.top.map((t) => t.probability).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    });
  });

  it(
    'predict: a table by default; resized images; clear errors for missing files, non-images and question models',
    async () => {
      const big = join(dir(), 'big.png');
      await writePng(big, testImage(9, shape[0] * 2, shape[1] * 2, 3), shape[0] * 2, shape[1] * 2, 3);
      const table = await cli('predict', run, join(images, 'img-0.png'), big, '--backend', 'cpu');
      expect(table.code, table.err).toBe(0);
      expect(table.out).toMatch(/resized to \d+ x \d+/);
      expect(table.out).toMatch(/image\s+predicted\s+probability\s+top 2/);
      expect(table.out).toContain('big.png');
      const missing = await cli('predict', run, join(dir(), 'nope.png'));
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/nope\.png does not exist; give PNG\/JPEG files/);
      const text = join(dir(), 'notes.png');
      await writeFile(text, 'not an image', 'utf8');
      const bad = await cli('predict', run, text, '--backend', 'cpu');
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/notes\.png: neither PNG nor JPEG/);
      const empty = join(dir(), 'empty');
      await mkdir(empty);
      expect((await cli('predict', run, empty)).err).toMatch(/holds no \.png\/\.jpg\/\.jpeg images/);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it(
    'predict: a model that takes a question beside the image (Sort-of-CLEVR) is refused with the alternatives',
    async () => {
      const clevrDir = join(dir(), 'clevr');
      await mkdir(clevrDir);
      const clevrConfig = join(clevrDir, 'clevr.json');
      const settings = { model: 'ait-tiny', dataset: 'sort-of-clevr', epochs: 1, trainSize: 16, testSize: 8, batchSize: 8, backend: 'cpu' };
      await writeFile(clevrConfig, JSON.stringify({ ...settings, modelConfig: { ...TINY_AIT, patchSize: 15 } }), 'utf8');
      const clevr = await cli('train', '--config', clevrConfig, '--out', join(clevrDir, 'run'), '--quiet');
      expect(clevr.code, clevr.err).toBe(0);
      const refused = await cli('predict', join(clevrDir, 'run'), join(images, 'img-0.png'), '--backend', 'cpu');
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/feeds it question \[\d+\] beside each image; ait predict reads images only/);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it('export: model.json + weights.bin load with tf.loadLayersModel and give the checkpoint probabilities (max diff <= 1e-5)', async () => {
    const out = join(dir(), 'exported');
    const r = await cli('export', run, '--out', out, '--backend', 'cpu', '--json');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out) as { files: string[]; labelNames: string[] };
    expect(summary.files.map((f) => f.slice(out.length + 1))).toEqual(['model.json', 'weights.bin', 'ait-model.json']);
    const info = JSON.parse(await readFile(join(out, 'ait-model.json'), 'utf8')) as ExportedModelInfo;
    expect(info).toMatchObject({ model: 'ait-tiny', imageShape: shape, labelNames, output: 'probabilities' });
    const modelJson = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { userDefinedMetadata: { ait: ExportedModelInfo } };
    expect(modelJson.userDefinedMetadata.ait).toEqual(info);
    expect(JSON.stringify(modelJson)).toContain('"memory_update_in_eval":false');

    const loaded = await loadLayersModel(`file://${join(out, 'model.json')}`);
    const { mean, std } = info.normalization;
    const expected = await checkpointProbabilities();
    // each image twice: a frozen memory gives the same answer on every call
    for (let call = 0; call < 2; call++) {
      for (const [i, p] of pixels.entries()) {
        const x = tf.tidy(() =>
          tf.div(tf.sub(tf.div(tf.tensor4d(p, [1, ...shape], 'float32'), 255), tf.tensor1d([...mean])), tf.tensor1d([...std])),
        );
        const probs = loaded.predict(x) as tf.Tensor;
        const got = await probs.data();
        const row = expected[i] as Float32Array;
        expect(Math.max(...Array.from(row, (v, k) => Math.abs(v - (got[k] as number))))).toBeLessThanOrEqual(1e-5);
        tf.dispose([x, probs]);
      }
    }
    // the handler of @ait/core loads it too
    const again = await loadLayersModel(fileSystemHandler(out));
    expect(again.countParams()).toBe(loaded.countParams());
    loaded.dispose();
    again.dispose();
  });

  it('export: refuses an occupied folder and a file as --out; --best needs a run directory', async () => {
    const out = join(dir(), 'exported-twice');
    expect((await cli('export', run, '--out', out, '--backend', 'cpu')).code).toBe(0);
    const again = await cli('export', run, '--out', out, '--backend', 'cpu');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds model\.json, weights\.bin, ait-model\.json; give an empty or new folder/);
    const file = join(dir(), 'a-file');
    await writeFile(file, 'x', 'utf8');
    expect((await cli('export', run, '--out', file)).err).toMatch(/is a file; give a folder/);
    const missingOut = await cli('export', run);
    expect(missingOut.code).toBe(2);
    expect(missingOut.err).toMatch(/--out <dir>/);
    const best = await cli('export', run, '--best', '--out', join(dir(), 'best'), '--backend', 'cpu', '--json');
    expect(best.code, best.err).toBe(0);
    expect((JSON.parse(best.out) as { checkpoint: string }).checkpoint).toMatch(/best\.ckpt$/);
  });
});
