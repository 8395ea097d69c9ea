// The publish script of @ait/vision (scripts/publish-pretrained.ts) on a tiny run trained here, into a
// temporary folder: its refusals, the manifest entry it writes, and the weights loaded back through
// @ait/vision's modelFromPretrainedWeights, which give the checkpoint's own probabilities.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { disposeBatch } from '@ait/core';
import * as tf from '@tensorflow/tfjs-core';
import { assembleBatch } from '@ait/datasets';
import { modelFromPretrainedWeights, parsePretrainedManifest } from '@ait/vision';
import { beforeAll, describe, expect, it } from 'vitest';
import { publishPretrained } from '@ait/vision/publish-pretrained';
import { useTempDir } from '@ait/core/testing';
import { inferProbabilities } from '../src/util/model-inference';
import { restoreRun } from '../src/util/run-checkpoint';
import { cli, trainTinyRun } from './helpers';

describe('publishing a run as a pretrained model (tiny AiT on triangle, cpu)', () => {
  const dir = useTempDir('ait-pretrained-');
  let run: string;
  const ait = (argv: readonly string[]) => cli(...argv);
  beforeAll(async () => {
    run = await trainTinyRun(dir());
  });

  it('refuses a run below the target of its data set, a bad name and a run without a best checkpoint, writing nothing', async () => {
    const out = join(dir(), 'refused');
    const options = { runDir: run, name: 'tiny-triangle', ait, outDir: out, backend: 'cpu', commit: 'test' };
    await expect(publishPretrained(options)).rejects.toThrow(
      /misses the target on triangle \(16 test examples\): accuracy \d+\.\d\d % < 99\.00 %.*--allow-below-target/,
    );
    await expect(publishPretrained({ ...options, name: 'Tiny_Triangle' })).rejects.toThrow(/lower-case words and digits joined by dashes/);
    await expect(publishPretrained({ ...options, runDir: join(dir(), 'no-run') })).rejects.toThrow(/is not a folder/);
    expect(existsSync(out)).toBe(false);
  });

  it('publishes with --allow-below-target, and the weights load back with the checkpoint probabilities', async () => {
    const out = join(dir(), 'published');
    const result = await publishPretrained({
      runDir: run,
      name: 'tiny-triangle',
      ait,
      outDir: out,
      allowBelowTarget: true,
      backend: 'cpu',
      commit: 'abc123',
    });
    expect(result.modulesFile).toBeUndefined();
    const manifest = parsePretrainedManifest(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')), 'test manifest');
    expect(manifest.targets.triangle).toEqual({ accuracy: 0.99 });
    expect(manifest.models.map((m) => m.name)).toEqual(['tiny-triangle']);
    const entry = manifest.models[0];
    if (!entry) throw new Error('no entry');
    expect(entry).toEqual(result.entry);
    const evalRun = await cli('eval', run, '--best', '--backend', 'cpu', '--json');
    const measured = JSON.parse(evalRun.out) as { accuracy: number; examples: number };
    expect(entry).toMatchObject({
      preset: 'ait-tiny',
      family: 'ait',
      dataset: { name: 'triangle', split: 'test', testSize: measured.examples },
      accuracy: measured.accuracy,
      target: { accuracy: 0.99 },
      meetsTarget: false,
      seed: 0,
      commit: 'abc123',
      file: 'tiny-triangle.safetensors',
      input: { imageShape: [64, 64, 1], classes: 2, extraInputs: [] },
      recipe: { epochs: 1, batchSize: 16 },
    });
    expect(entry.modelConfig).toMatchObject({ dim: 32, depth: 1, imageSize: 64, patchSize: 16, classes: 2 });
    const bytes = new Uint8Array(await readFile(join(out, entry.file)));
    expect(bytes.byteLength).toBe(entry.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);

    const { model, data } = await restoreRun(join(run, 'checkpoints', 'best.ckpt'), undefined, {}, 'cpu');
    const loaded = modelFromPretrainedWeights(entry, bytes);
    const samples = [0, 1, 2, 3].map((i) => (data.access === 'random' ? data.get(i) : undefined)).filter((s) => s !== undefined);
    expect(samples).toHaveLength(4);
    const batch = assembleBatch(samples, data, data.normalization);
    const expected = await inferProbabilities(model, batch.x);
    const got = await inferProbabilities(loaded, batch.x);
    expect(got).toEqual(expected);
    // AiT's memory is frozen in the loaded model: plain calls (no forward context) leave it as trained
    expect(loaded.getConfig()).toMatchObject({ memoryUpdateInEval: false });
    const first = tf.tidy(() => (loaded.apply(batch.x, { training: false }) as tf.Tensor).dataSync());
    const second = tf.tidy(() => (loaded.apply(batch.x, { training: false }) as tf.Tensor).dataSync());
    expect(Array.from(second)).toEqual(Array.from(first));
    disposeBatch(batch);
    model.dispose();
    loaded.dispose();

    // the name is taken now: refused before anything is evaluated, unless replaced
    await expect(publishPretrained({ runDir: run, name: 'tiny-triangle', ait, outDir: out })).rejects.toThrow(
      /already has a pretrained model "tiny-triangle"; give another --name, or --replace it/,
    );
  });

  it('ait eval / predict --pretrained <name>: unknown names list the shipped ones; --best and a missing name are refused', async () => {
    const unknown = await cli('eval', '--pretrained', 'no-such-model', '--backend', 'cpu');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(
      /--pretrained no-such-model: Unknown pretrained model "no-such-model"\. (Available: |This version of @ait\/vision ships none)/,
    );
    const best = await cli('eval', '--pretrained', 'no-such-model', '--best');
    expect(best.code).toBe(2);
    expect(best.err).toMatch(/--best picks a checkpoint of a run; a pretrained model has one set of weights/);
    const missing = await cli('eval', '--pretrained');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/missing required argument 'target'/);
    const predict = await cli('predict', '--pretrained', 'no-such-model', join(dir(), 'tiny.yaml'), '--backend', 'cpu');
    expect(predict.code).toBe(2);
    expect(predict.err).toMatch(/Unknown pretrained model "no-such-model"/);
  });
});
