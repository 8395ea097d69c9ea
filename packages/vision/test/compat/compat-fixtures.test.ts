// Files written by an earlier version keep working: for every tiny preset (shrunk), a TF.js
// model.json + weights.bin and an @ait/core checkpoint saved before the structural changes of
// issue 20 load into today's code with the same weight names and give the same logits.
// The fixtures come from scripts/write-compat-fixtures.ts; never regenerate them to make this pass.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { disposeCheckpoint, initBackend, loadCheckpoint, restoreCheckpoint } from '@ait/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../../src/index';
import { COMPAT_MODELS, compatInput, type CompatExpectation } from './compat-models';

const FIXTURES = fileURLToPath(new URL('../fixtures/compat/', import.meta.url));

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

function expectation(preset: string): CompatExpectation {
  return JSON.parse(readFileSync(join(FIXTURES, preset, 'expected.json'), 'utf8')) as CompatExpectation;
}

/** Largest absolute difference between `t`'s values and `expected`. */
async function maxDiff(t: tf.Tensor, expected: number[]): Promise<number> {
  const got = await t.data();
  expect(got.length).toBe(expected.length);
  return Math.max(...expected.map((e, i) => Math.abs((got[i] as number) - e)));
}

describe.each(Object.keys(COMPAT_MODELS))('%s saved by an earlier version', (preset) => {
  it('model.json + weights.bin loads with the same weight names and logits', async () => {
    const e = expectation(preset);
    const dir = join(FIXTURES, preset);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
      modelTopology: tf.io.ModelArtifacts['modelTopology'];
      weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
    };
    const bin = readFileSync(join(dir, 'weights.bin'));
    const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
    const loaded = await loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((m) => m.weights), weightData }),
    );
    expect(loaded.weights.map((w) => w.originalName)).toEqual(e.weightNames);
    const x = compatInput(e.inputShape[0], e.inputShape[2]);
    const logits = loaded.predict(x) as tf.Tensor;
    expect(await maxDiff(logits, e.logits)).toBeLessThan(1e-5);
    tf.dispose([x, logits]);
    loaded.dispose();
  });

  it('the checkpoint restores into a model made from the preset and overrides, with the same logits', async () => {
    const e = expectation(preset);
    const model = createModel(preset, e.overrides);
    // built as the Trainer and the CLI build models: by a first call (weight names get the model's scope)
    tf.dispose(model.apply(tf.zeros([1, ...e.inputShape]), { training: false }) as tf.Tensor);
    const contents = await loadCheckpoint(join(FIXTURES, preset, 'model.ckpt'));
    restoreCheckpoint(contents, { model });
    disposeCheckpoint(contents);
    const x = compatInput(e.inputShape[0], e.inputShape[2]);
    const logits = model.apply(x, { training: false }) as tf.Tensor;
    expect(await maxDiff(logits, e.logits)).toBeLessThan(1e-5);
    tf.dispose([x, logits]);
    model.dispose();
  });
});
