import type { PresetRecipe } from '../../registry/model-registry';
import { CONV_TINY_TRUNK, CPU_TRANSFORMER_SIZES, familyPresets, registerFamily } from '../../registry/register-family';
import { aitConfigSchema, type AitConfigInput } from './ait-config';
import { AssociativeTransformer, type AssociativeTransformerArgs } from './associative-transformer';

const SOURCE = 'Sun et al., Associative Transformer, arXiv 2309.12862 (CVPR 2025); reference code yuweisunn/associative-transformer (MIT)';

/** The reference code's settings shared by every paper-size AiT preset (CIFAR, image 32, patch 4). */
const PAPER_COMMON = {
  imageSize: 32,
  patchSize: 4,
  channels: 3,
  classes: 10,
  headDim: 64,
  memorySlots: 32,
  memoryDim: 32,
  memoryHeads: 8,
  topK: 512,
  head: 'flatten',
  positionEmbedding: 'none',
} as const satisfies AitConfigInput;

/** Paper-size AiT presets (the table of the design note / reference code). */
export const AIT_PAPER_PRESETS: Readonly<Record<string, AitConfigInput>> = {
  'ait-small': { ...PAPER_COMMON, dim: 768, depth: 2, numHeads: 12, mlpDim: 3072 },
  'ait-medium': { ...PAPER_COMMON, dim: 768, depth: 6, numHeads: 12, mlpDim: 3072 },
  'ait-base': { ...PAPER_COMMON, dim: 768, depth: 12, numHeads: 12, mlpDim: 3072 },
  'ait-coordination-size': { ...PAPER_COMMON, dim: 256, depth: 1, numHeads: 4, mlpDim: 512 },
};

/** CPU-size AiT presets for tests and demos (same structure, small widths). */
export const AIT_CPU_PRESETS: Readonly<Record<string, AitConfigInput>> = {
  'ait-tiny': { ...PAPER_COMMON, ...CPU_TRANSFORMER_SIZES.tiny, memorySlots: 16, memoryDim: 32, memoryHeads: 4, topK: 32 },
  'ait-tiny-conv': {
    ...PAPER_COMMON,
    ...CONV_TINY_TRUNK,
    convStem: [...CONV_TINY_TRUNK.convStem],
    mlpDim: 128,
    memorySlots: 16,
    memoryDim: 32,
    memoryHeads: 4,
    topK: 64,
    head: 'mean',
  },
  'ait-mini': { ...PAPER_COMMON, ...CPU_TRANSFORMER_SIZES.mini, memorySlots: 32, memoryDim: 32, memoryHeads: 8, topK: 64 },
};

const DESCRIPTIONS: Record<string, string> = {
  'ait-small': 'AiT-Small: 2 blocks, D 768, 12 heads, F 3072, 32 priors of width 32, 8 bottleneck heads, k 512 (reference code)',
  'ait-medium': 'AiT-Medium: 6 blocks, D 768, 12 heads, F 3072, 32 priors of width 32, 8 bottleneck heads, k 512',
  'ait-base': 'AiT-Base: 12 blocks, D 768, 12 heads, F 3072, 32 priors of width 32, 8 bottleneck heads, k 512',
  'ait-coordination-size': 'AiT at the Coordination comparison size: 1 block, D 256, 4 heads, F 512, 32 priors, k 512',
  'ait-tiny': 'CPU-size AiT for 16x16 images: 2 blocks, D 96, 3 heads of 32, F 384, 16 priors of width 32, 4 bottleneck heads, k 32',
  'ait-tiny-conv':
    'CPU-size AiT for 64x64 images (Triangle) with a convolutional tokenizer (3x3 conv, ReLU, 2x2 max pool: 8 then 16 channels), 2x2 patches of the 16x16 features, sine-cosine positions: 2 blocks, D 64, 4 heads of 16, F 128, 16 priors of width 32, 4 bottleneck heads, k 64, mean head',
  'ait-mini': 'CPU-size AiT for 32x32 images: 4 blocks, D 128, 4 heads of 32, F 512, 32 priors of width 32, 8 bottleneck heads, k 64',
};

/** Training settings of presets tuned beyond their scale's default recipe. */
const RECIPES: Record<string, PresetRecipe> = {
  // tuned on Triangle (64x64): a higher peak learning rate gets through the initial plateau sooner
  'ait-tiny-conv': { lr: 2e-3 },
};

registerFamily({
  family: 'ait',
  source: SOURCE,
  schema: aitConfigSchema,
  create: (config) => new AssociativeTransformer(config as AssociativeTransformerArgs),
  presets: familyPresets({ paper: AIT_PAPER_PRESETS, cpu: AIT_CPU_PRESETS }, DESCRIPTIONS, RECIPES),
});
