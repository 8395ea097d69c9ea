import type { z } from '@ait/core';
import { registerModel } from '../../registry/model-registry';
import { aftSchema, type AftVariant } from './aft-config';
import { AttentionFreeTransformer } from './attention-free-transformer';

const SOURCE = 'Zhai et al., "An Attention Free Transformer", arXiv 2105.14103 (2021)';

type AftDefaults = z.input<typeof aftSchema>;

/** Variant-specific settings per size: the paper size, then the two CPU sizes. */
const VARIANT_SETTINGS: Record<
  AftVariant,
  { small: Partial<AftDefaults>; tiny: Partial<AftDefaults>; mini: Partial<AftDefaults>; what: string }
> = {
  full: {
    what: 'AFT-full (position biases u v^T)',
    small: { positionRank: 128 },
    tiny: { positionRank: 16 },
    mini: { positionRank: 32 },
  },
  local: {
    what: 'AFT-local (biases kept within a window of tokens, 0 outside)',
    small: { positionRank: 128, windowSize: 14 },
    tiny: { positionRank: 16, windowSize: 4 },
    mini: { positionRank: 32, windowSize: 8 },
  },
  simple: {
    what: 'AFT-simple (no position biases, O(T d))',
    small: {},
    tiny: {},
    mini: {},
  },
  conv: {
    what: 'AFT-conv (per-head 2-D kernels, no position embedding)',
    small: { convHeads: 16, kernelSize: 11, positionEmbedding: 'none' },
    tiny: { convHeads: 4, kernelSize: 3, positionEmbedding: 'none' },
    mini: { convHeads: 8, kernelSize: 5, positionEmbedding: 'none' },
  },
};

for (const variant of Object.keys(VARIANT_SETTINGS) as AftVariant[]) {
  const s = VARIANT_SETTINGS[variant];
  registerModel({
    name: `aft-${variant}-small`,
    family: 'aft',
    description: `${s.what} in the DeiT-S backbone of the paper's ImageNet comparison: 224x224, patch 16, D 384, 12 blocks, MLP x4.`,
    source: SOURCE,
    scale: 'paper',
    schema: aftSchema,
    defaults: {
      classes: 1000,
      imageSize: 224,
      channels: 3,
      variant,
      patchSize: 16,
      dim: 384,
      depth: 12,
      mlpRatio: 4,
      dropPath: 0.1,
      ...s.small,
    },
    create: (config) => new AttentionFreeTransformer(config),
  });
  registerModel({
    name: `aft-${variant}-tiny`,
    family: 'aft',
    description: `CPU-sized ${s.what} for tests: 16x16 RGB, patch 4 (4x4 tokens), D 96, 2 blocks.`,
    source: SOURCE,
    scale: 'cpu',
    schema: aftSchema,
    defaults: { classes: 10, imageSize: 16, channels: 3, variant, patchSize: 4, dim: 96, depth: 2, mlpRatio: 4, ...s.tiny },
    create: (config) => new AttentionFreeTransformer(config),
  });
  registerModel({
    name: `aft-${variant}-mini`,
    family: 'aft',
    description: `CPU-sized ${s.what} for demos: 32x32 RGB, patch 4 (8x8 tokens), D 128, 4 blocks.`,
    source: SOURCE,
    scale: 'cpu',
    schema: aftSchema,
    defaults: { classes: 10, imageSize: 32, channels: 3, variant, patchSize: 4, dim: 128, depth: 4, mlpRatio: 4, dropout: 0.1, ...s.mini },
    create: (config) => new AttentionFreeTransformer(config),
  });
}
