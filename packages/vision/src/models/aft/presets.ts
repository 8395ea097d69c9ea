import type { z } from '@ait/core';
import { type FamilyPreset, PRESET_INPUTS, registerFamily } from '../../registry/register-family';
import { AFT_VARIANTS, aftSchema, type AftVariant } from './aft-config';
import { AttentionFreeTransformer } from './attention-free-transformer';

type AftDefaults = z.input<typeof aftSchema>;
type AftSize = 'small' | 'tiny' | 'mini';

/** What each variant is, and its settings per size. */
const VARIANTS: Record<AftVariant, { what: string } & Record<AftSize, Partial<AftDefaults>>> = {
  full: { what: 'AFT-full (position biases u v^T)', small: { positionRank: 128 }, tiny: { positionRank: 16 }, mini: { positionRank: 32 } },
  local: {
    what: 'AFT-local (biases kept within a window of tokens, 0 outside)',
    small: { positionRank: 128, windowSize: 14 },
    tiny: { positionRank: 16, windowSize: 4 },
    mini: { positionRank: 32, windowSize: 8 },
  },
  simple: { what: 'AFT-simple (no position biases, O(T d))', small: {}, tiny: {}, mini: {} },
  conv: {
    what: 'AFT-conv (per-head 2-D kernels, no position embedding)',
    small: { convHeads: 16, kernelSize: 11, positionEmbedding: 'none' },
    tiny: { convHeads: 4, kernelSize: 3, positionEmbedding: 'none' },
    mini: { convHeads: 8, kernelSize: 5, positionEmbedding: 'none' },
  },
};

interface AftSizeSettings {
  readonly scale: 'paper' | 'cpu';
  readonly describe: (what: string) => string;
  readonly input: { readonly classes: number; readonly imageSize: number; readonly channels: number };
  readonly backbone: Pick<AftDefaults, 'patchSize' | 'dim' | 'depth'> & Partial<AftDefaults>;
}

/** The backbone of each size: the paper's DeiT-S, and the two CPU sizes. */
const SIZES: Record<AftSize, AftSizeSettings> = {
  small: {
    scale: 'paper',
    describe: (what) => `${what} in the DeiT-S backbone of the paper's ImageNet comparison: 224x224, patch 16, D 384, 12 blocks, MLP x4.`,
    input: PRESET_INPUTS.imagenet,
    backbone: { patchSize: 16, dim: 384, depth: 12, mlpRatio: 4, dropPath: 0.1 },
  },
  tiny: {
    scale: 'cpu',
    describe: (what) => `CPU-sized ${what} for tests: 16x16 RGB, patch 4 (4x4 tokens), D 96, 2 blocks.`,
    input: PRESET_INPUTS.tiny,
    backbone: { patchSize: 4, dim: 96, depth: 2, mlpRatio: 4 },
  },
  mini: {
    scale: 'cpu',
    describe: (what) => `CPU-sized ${what} for demos: 32x32 RGB, patch 4 (8x8 tokens), D 128, 4 blocks.`,
    input: PRESET_INPUTS.mini,
    backbone: { patchSize: 4, dim: 128, depth: 4, mlpRatio: 4, dropout: 0.1 },
  },
};

const presets: Record<string, FamilyPreset<typeof aftSchema>> = {};
for (const variant of AFT_VARIANTS) {
  for (const [size, s] of Object.entries(SIZES) as [AftSize, AftSizeSettings][]) {
    const v = VARIANTS[variant];
    presets[`aft-${variant}-${size}`] = {
      scale: s.scale,
      description: s.describe(v.what),
      defaults: { ...s.input, variant, ...s.backbone, ...v[size] },
    };
  }
}

registerFamily({
  family: 'aft',
  source: 'Zhai et al., "An Attention Free Transformer", arXiv 2105.14103 (2021)',
  schema: aftSchema,
  create: (config) => new AttentionFreeTransformer(config),
  presets,
});
