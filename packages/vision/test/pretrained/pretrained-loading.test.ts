// Loading pretrained models: the weights of a small model written here as safetensors load back
// through modelFromPretrainedWeights with the same outputs; damaged or other bytes, configs that do
// not fit, unknown names and createModel's pretrained form give the errors they should.
import * as tf from '@tensorflow/tfjs-core';
import { createForwardContext, discardStateUpdates, modelToSafetensors, runWithForwardContext, setGlobalSeed } from '@ait/core';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  buildModelForData,
  createModel,
  loadPretrainedModel,
  modelFromPretrainedWeights,
  PretrainedModelError,
  type PretrainedModelInfo,
  type VisionModel,
} from '../../src/index';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

const CONFIG = { imageSize: 16, patchSize: 4, channels: 1, classes: 3, dim: 16, depth: 1, numHeads: 2, headDim: 8, mlpDim: 32 };
const INPUT = {
  imageShape: [16, 16, 1] as [number, number, number],
  normalization: { mean: [0.5], std: [0.25] },
  extraInputs: [],
  classes: 3,
  labelNames: ['a', 'b', 'c'],
};

/** A manifest entry for `bytes` of a vit-tiny with {@link CONFIG} (as the publish script would write it). */
function entryFor(bytes: Uint8Array, model: VisionModel): PretrainedModelInfo {
  const { name: _n, trainable: _t, dtype: _d, batchInputShape: _b, ...modelConfig } = model.getConfig() as Record<string, unknown>;
  return {
    name: 'test-vit',
    preset: 'vit-tiny',
    family: 'vit',
    modelConfig,
    parameters: 0,
    input: INPUT,
    dataset: { name: 'synthetic', split: 'test', testSize: 0, plan: {} },
    accuracy: 0,
    target: null,
    meetsTarget: false,
    recipe: {},
    seed: 0,
    checkpoint: { epoch: 0, step: 0 },
    commit: 'test',
    file: 'test-vit.safetensors',
    bytes: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

function logits(model: VisionModel, x: tf.Tensor): Float32Array {
  const ctx = createForwardContext(false);
  try {
    return tf.tidy(() => runWithForwardContext(ctx, () => model.apply(x, { training: false }) as tf.Tensor).dataSync() as Float32Array);
  } finally {
    discardStateUpdates(ctx);
  }
}

describe('modelFromPretrainedWeights', () => {
  let original: VisionModel;
  let bytes: Uint8Array;
  let entry: PretrainedModelInfo;
  let x: tf.Tensor;
  beforeAll(async () => {
    setGlobalSeed(5);
    original = createModel('vit-tiny', CONFIG);
    buildModelForData(original, INPUT);
    bytes = await modelToSafetensors(original);
    entry = entryFor(bytes, original);
    x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 9);
  });

  it('builds the model of the entry and gives the outputs of the model the weights came from', () => {
    setGlobalSeed(77); // other initial weights: only the loaded ones can give the same outputs
    const loaded = modelFromPretrainedWeights(entry, bytes);
    expect(loaded.name).toBe(original.name);
    expect(Array.from(logits(loaded, x))).toEqual(Array.from(logits(original, x)));
    loaded.dispose();
  });

  it('refuses bytes whose SHA-256 or size differ from the manifest, naming both, and builds nothing', () => {
    const changed = bytes.slice();
    changed[changed.length - 3] = (changed[changed.length - 3] as number) ^ 0x40;
    const actual = createHash('sha256').update(changed).digest('hex');
    const tensorsBefore = tf.memory().numTensors;
    expect(() => modelFromPretrainedWeights(entry, changed)).toThrow(
      new RegExp(`SHA-256 is ${actual}, but the manifest's test-vit\\.safetensors has ${entry.sha256}: the bytes were changed or damaged`),
    );
    try {
      modelFromPretrainedWeights(entry, changed);
    } catch (err) {
      expect(err).toBeInstanceOf(PretrainedModelError);
      expect((err as PretrainedModelError).kind).toBe('checksum');
    }
    expect(() => modelFromPretrainedWeights(entry, bytes.subarray(0, bytes.length - 4))).toThrow(
      new RegExp(`the weights are ${bytes.length - 4} bytes, but the manifest's test-vit\\.safetensors has ${bytes.length}`),
    );
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it('names weights that do not fit the manifest config (a mismatch), leaking nothing', () => {
    const other = { ...entry, modelConfig: { ...entry.modelConfig, mlpDim: 48 } };
    const tensorsBefore = tf.memory().numTensors;
    expect(() => modelFromPretrainedWeights(other, bytes)).toThrow(
      /the weights do not fit vit-tiny with the manifest's config: [\s\S]*mlp\/fc1\/kernel" has shape \[16, 32\]/,
    );
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const rejected = { ...entry, modelConfig: { ...entry.modelConfig, depth: -1 } };
    expect(() => modelFromPretrainedWeights(rejected, bytes)).toThrow(/preset vit-tiny rejects the manifest's model config/);
  });
});

describe('loading by name', () => {
  it('an unknown name is an unknown-name error listing the available names (or saying there are none)', async () => {
    const err = await loadPretrainedModel('no-such-model').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PretrainedModelError);
    expect((err as PretrainedModelError).kind).toBe('unknown-name');
    expect((err as Error).message).toMatch(
      /Unknown pretrained model "no-such-model"\. (Available: [a-z0-9-]+|This version of @ait\/vision ships none)/,
    );
  });

  it('createModel(name, { pretrained: true }) loads by name (a Promise); other options are refused; pretrained: false is the preset', async () => {
    const err = await createModel('no-such-model', { pretrained: true }).catch((e: unknown) => e);
    expect((err as PretrainedModelError).kind).toBe('unknown-name');
    const mixed = createModel('vit-tiny', { pretrained: true, dim: 8 } as unknown as { pretrained: true });
    await expect(mixed).rejects.toThrow(/takes no other options \(got dim\): a pretrained model keeps the config it was trained with/);
    const plain = createModel('vit-tiny', { ...CONFIG, pretrained: false });
    expect(plain.getConfig()).toMatchObject({ dim: 16, classes: 3 });
    expect(() => createModel('vit-tiny', { pretrained: 'yes' } as unknown as Record<string, unknown>)).toThrow(
      /pretrained must be true or false/,
    );
    // the types follow the option: a Promise for pretrained: true, a model otherwise
    expectTypeOf(createModel).toBeCallableWith('x', { pretrained: true });
    expectTypeOf<ReturnType<typeof _pretrainedForm>>().toEqualTypeOf<Promise<VisionModel>>();
    expectTypeOf<ReturnType<typeof _presetForm>>().toEqualTypeOf<VisionModel>();
  });
});

const _pretrainedForm = () => createModel('x', { pretrained: true });
const _presetForm = (overrides: Record<string, unknown>) => createModel('x', overrides);
// a boolean that is not known to be true would leave the result's type open: refused at compile time
// @ts-expect-error pretrained must be the literal true (a Promise) or absent / false (a model)
const _open = (flag: boolean) => createModel('x', { pretrained: flag });
