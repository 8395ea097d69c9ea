// The models whose saved files (a TF.js model.json + weights.bin, and an @ait/core checkpoint)
// are kept in test/fixtures/compat: every tiny preset of the registry, shrunk so that the files
// stay a few kilobytes. scripts/write-compat-fixtures.ts writes them (once, before a change that
// could alter weight names, serialised configs or the forward pass); compat-fixtures.test.ts
// checks that today's code still loads them and computes the same logits.
import * as tf from '@tensorflow/tfjs-core';

/** Overrides of each tiny preset for its fixture (small widths, one block). */
export const COMPAT_MODELS: Readonly<Record<string, Record<string, unknown>>> = {
  'aft-conv-tiny': { imageSize: 8, dim: 16, depth: 1, mlpRatio: 2 },
  'aft-full-tiny': { imageSize: 8, dim: 16, depth: 1, mlpRatio: 2, positionRank: 4 },
  'aft-local-tiny': { imageSize: 8, dim: 16, depth: 1, mlpRatio: 2, positionRank: 4, windowSize: 2 },
  'aft-simple-tiny': { imageSize: 8, dim: 16, depth: 1, mlpRatio: 2 },
  'ait-tiny': {
    imageSize: 8,
    dim: 16,
    depth: 1,
    numHeads: 2,
    headDim: 8,
    mlpDim: 32,
    memorySlots: 4,
    memoryDim: 8,
    memoryHeads: 2,
    topK: 4,
  },
  'ait-tiny-conv': {
    imageSize: 16,
    convStem: [4, 8],
    dim: 16,
    depth: 1,
    numHeads: 2,
    headDim: 8,
    mlpDim: 32,
    memorySlots: 4,
    memoryDim: 8,
    memoryHeads: 2,
    topK: 4,
  },
  'coordination-tiny': { imageSize: 8, dim: 16, layers: 1, heads: 2, ffnDim: 32, slots: 2, topK: 2, keyDim: 8 },
  'mlp-mixer-tiny': { imageSize: 8, dim: 16, depth: 1, tokenMlpDim: 8, channelMlpDim: 32 },
  'parallel-mixer-breaking-tiny': { imageSize: 8, dim: 16, depth: 1, tokenMlpDim: 8, channelMlpDim: 32 },
  'parallel-mixer-free-tiny': { imageSize: 8, dim: 16, depth: 1, tokenMlpDim: 8, channelMlpDim: 32 },
  'parallel-mixer-symmetric-tiny': { imageSize: 8, dim: 16, depth: 1, tokenMlpDim: 8, channelMlpDim: 32 },
  'perceiver-tiny': { imageSize: 8, latents: 4, latentDim: 16, latentHeads: 2, latentLayers: 1, fourierBands: 2 },
  'set-transformer-tiny': { imageSize: 8, dim: 16, heads: 2, encoderLayers: 1, inducingPoints: 2, seeds: 1 },
  'vit-tiny': { imageSize: 8, dim: 16, depth: 1, numHeads: 2, headDim: 8, mlpDim: 32 },
  'vit-tiny-flatten': { imageSize: 8, dim: 16, depth: 1, numHeads: 2, headDim: 8, mlpDim: 32 },
};

/** The fixed input batch of a fixture: two images `[2, size, size, channels]` from a seed. */
export function compatInput(size: number, channels: number): tf.Tensor4D {
  return tf.randomUniform([2, size, size, channels], -1, 1, 'float32', 77) as tf.Tensor4D;
}

/** What a fixture records beside its files. */
export interface CompatExpectation {
  /** The preset and the overrides the model was created with. */
  readonly preset: string;
  readonly overrides: Record<string, unknown>;
  /** Input image shape (without batch). */
  readonly inputShape: [number, number, number];
  /** Logits of {@link compatInput} in inference mode, `[2, classes]` flattened. */
  readonly logits: number[];
  /** Weight names in order. */
  readonly weightNames: string[];
}
