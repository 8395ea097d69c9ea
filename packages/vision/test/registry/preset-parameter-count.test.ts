import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { input, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { countParameters, initBackend, type ParameterCount } from '@ait/core';
import { createModel, listModels, modelParameterCount, presetParameterCount, VisionModel } from '../../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/**
 * Counts `name` with `overrides` twice: from its config (before building), then by building it
 * for the image the count names (a symbolic call: weights are created, nothing is computed) and
 * counting its weights with `countParameters`.
 */
function bothCounts(name: string, overrides: Record<string, unknown> = {}): { derived: ParameterCount; built: ParameterCount } {
  const model = createModel(name, overrides);
  try {
    const derived = modelParameterCount(model);
    expect(derived, `${name}: no formula`).not.toBeNull();
    const shape = [...(derived?.imageShape ?? [])];
    const questionDim = (model.getConfig() as { questionDim?: number | null }).questionDim;
    if (questionDim) {
      // a question-token model takes [images, questions]
      model.build([
        [null, ...shape],
        [null, questionDim],
      ]);
    } else {
      const output = model.apply(input({ shape })) as SymbolicTensor;
      expect(output.shape.at(-1)).toBeGreaterThan(1);
    }
    const { trainable, nonTrainable, total } = derived as ParameterCount;
    return { derived: { trainable, nonTrainable, total }, built: countParameters(model) };
  } finally {
    if (model.built) model.dispose();
  }
}

describe('presetParameterCount: parameters counted from the config, without building', () => {
  it.each(listModels({ scale: 'cpu' }).map((m) => m.name))('%s: equals the built model', (name) => {
    const { derived, built } = bothCounts(name);
    expect(derived).toEqual(built);
  });

  // paper-size presets small enough to build in a test
  it.each(['ait-coordination-size', 'coordination-triangle', 'set-transformer-pointcloud', 'aft-conv-small'])(
    '%s (paper size): equals the built model',
    (name) => {
      const { derived, built } = bothCounts(name);
      expect(derived).toEqual(built);
    },
  );

  it('gives the published totals of the large paper presets without building them', () => {
    // the reference code's AiT and ViT-Base totals include parameters its forward pass never uses:
    // a CNN stem Conv2d(3, 768, 5), a position table 65 x 768 and a CLS token (see test/ait/paper-presets.test.ts)
    const unusedInReference = 3 * 768 * 25 + 768 + 65 * 768 + 768;
    const total = (name: string): number => presetParameterCount(name)?.total ?? Number.NaN;
    expect(total('ait-medium') + unusedInReference).toBe(45_876_970);
    expect(total('ait-base') + unusedInReference).toBe(91_015_786);
    expect(total('vit-base-flatten') + 65 * 768 + 768).toBe(85_706_602);
    // AiT's priors are EMA buffers: 32 slots x 32 per block
    expect(presetParameterCount('ait-base')?.nonTrainable).toBe(12 * 32 * 32);
    expect(presetParameterCount('mlp-mixer-s16')?.imageShape).toEqual([224, 224, 3]);
  });

  it('creates no tensor: every preset, the 90 M-parameter ones included, is counted from its config', () => {
    const before = tf.memory();
    for (const { name } of listModels()) expect(presetParameterCount(name)?.total, name).toBeGreaterThan(0);
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });

  // every option that changes the weights, on small presets
  const variations: [string, Record<string, unknown>][] = [
    ['ait-tiny', { head: 'cls', positionEmbedding: 'learned' }],
    ['ait-tiny', { head: 'mean', memory: 'learned', positionEmbedding: 'sincos' }],
    ['ait-tiny', { ablation: { noMemory: true } }],
    ['ait-tiny', { ablation: { noHopfield: true, noSelfAttention: true } }],
    ['ait-tiny', { hopfieldProjections: true, hopfieldHeads: 4 }],
    ['ait-tiny', { hopfieldProjections: true, hopfieldHeads: 2, hopfieldHeadDim: 20 }],
    ['ait-tiny', { questionDim: 18 }],
    ['ait-tiny', { questionDim: 18, head: 'cls', positionEmbedding: 'learned' }],
    ['ait-tiny', { trainable: false }],
    ['ait-tiny-conv', { convStem: [4, 8, 8], patchSize: 2, head: 'flatten', channels: 3 }],
    ['vit-tiny', { head: 'mean', positionEmbedding: 'none' }],
    ['vit-tiny', { head: 'flatten', positionEmbedding: 'none', imageSize: 32, patchSize: 8 }],
    ['vit-tiny-flatten', { positionEmbedding: 'learned', channels: 1 }],
    ['vit-tiny', { questionDim: 18 }],
    ['vit-tiny-flatten', { questionDim: 18, positionEmbedding: 'none' }],
    ['vit-tiny', { positionEmbedding: 'sincos', patchPreNorm: false }],
    ['vit-tiny', { patchPostNorm: false }],
    ['vit-tiny-conv', { convStem: [4, 8, 8], patchSize: 2, head: 'flatten', channels: 3, questionDim: 18 }],
    ['coordination-tiny', { sharedParameters: false }],
    ['coordination-tiny', { gateStyle: 'memory', pool: 'mean', channels: 1 }],
    ['coordination-tiny', { imageSize: null, channels: null }],
    ['set-transformer-tiny', { inducingPoints: null, decoderLayers: 0, seeds: 3 }],
    ['set-transformer-tiny', { layerNorm: false, positionEmbedding: 'none', decoderLayers: 2 }],
    ['set-transformer-tiny', { imageSize: null, channels: null, patchSize: 8 }],
    ['perceiver-tiny', { weightSharing: false, repeats: 3 }],
    ['perceiver-tiny', { repeats: 1, mlpRatio: 1.5, patchSize: 4, crossHeads: 2, fourierBands: 3 }],
    ['perceiver-tiny', { crossAttentionWidth: 'input' }],
    ['perceiver-tiny', { crossAttentionWidth: 'input', weightSharing: false, repeats: 3, patchSize: 4, crossHeads: 2, fourierBands: 3 }],
    ['aft-full-tiny', { positionRank: null }],
    ['aft-full-tiny', { hiddenDim: 48, positionEmbedding: 'none', mlpRatio: 2 }],
    ['aft-local-tiny', { imageSize: null, channels: null }],
    ['aft-simple-tiny', { hiddenDim: 64 }],
    ['aft-conv-tiny', { convHeads: 8, kernelSize: 5, hiddenDim: 64, positionEmbedding: 'learned' }],
    ['mlp-mixer-tiny', { patchSize: 2, channels: 1 }],
    ['mlp-mixer-tiny', { imageSize: null, channels: null }],
    ['parallel-mixer-symmetric-tiny', { useBias: true, normGain: 'perEntry' }],
    ['parallel-mixer-breaking-tiny', { useBias: true }],
    ['parallel-mixer-free-tiny', { normGain: 'perEntry', patchSize: 2 }],
  ];
  it.each(variations)('%s with %j: equals the built model', (name, overrides) => {
    const { derived, built } = bothCounts(name, overrides);
    expect(derived).toEqual(built);
  });

  it("vit-tiny-conv has ait-tiny-conv's parameter count to within 1 % (the MLP width its description names)", () => {
    const vit = presetParameterCount('vit-tiny-conv')?.total ?? 0;
    const ait = presetParameterCount('ait-tiny-conv')?.total ?? 0;
    expect(Math.abs(vit - ait) / ait).toBeLessThan(0.01);
    expect(vit).not.toBe(ait);
  });

  it('counts for the image a config names, 32 x 32 x 3 where it leaves the size open', () => {
    expect(presetParameterCount('ait-tiny-conv')?.imageShape).toEqual([64, 64, 1]);
    expect(presetParameterCount('mlp-mixer-tiny', { imageSize: null, channels: null })?.imageShape).toEqual([32, 32, 3]);
    // a flatten head grows with the tokens
    const small = presetParameterCount('vit-tiny-flatten')?.total ?? 0;
    const large = presetParameterCount('vit-tiny-flatten', { imageSize: 32 })?.total ?? 0;
    expect(large).toBeGreaterThan(small);
  });

  it('validates overrides as createModel does, and says null for a model class without a formula', () => {
    expect(() => presetParameterCount('ait-tiny', { dim: -1 })).toThrow(/dim/);
    expect(() => presetParameterCount('ait-huge')).toThrow(/Unknown model "ait-huge"/);
    class Unknown extends VisionModel {}
    expect(modelParameterCount(new Unknown({ name: 'unknown' }))).toBeNull();
  });
});
