import type { PresetRecipe } from '../../registry/model-registry';
import { CONV_TINY_TRUNK, CPU_TRANSFORMER_SIZES, familyPresets, registerFamily } from '../../registry/register-family';
import { VisionTransformer, type VisionTransformerArgs } from './vision-transformer';
import { vitConfigSchema, type VitConfigInput } from './vit-config';

const SOURCE =
  'Dosovitskiy et al., An Image is Worth 16x16 Words, ICLR 2021; CIFAR set-up and flatten-head variant from the AiT reference code (yuweisunn/associative-transformer)';

const CIFAR = { imageSize: 32, patchSize: 4, channels: 3, classes: 10, headDim: 64 } as const satisfies VitConfigInput;

/** Paper-size ViT presets (ViT-Base as AiT compares with it on CIFAR, patch 4). */
export const VIT_PAPER_PRESETS: Readonly<Record<string, VitConfigInput>> = {
  'vit-base': { ...CIFAR, dim: 768, depth: 12, numHeads: 12, mlpDim: 3072, head: 'cls', positionEmbedding: 'learned' },
  'vit-base-flatten': { ...CIFAR, dim: 768, depth: 12, numHeads: 12, mlpDim: 3072, head: 'flatten', positionEmbedding: 'none' },
};

/** CPU-size ViT presets for tests and demos. */
export const VIT_CPU_PRESETS: Readonly<Record<string, VitConfigInput>> = {
  'vit-tiny': { ...CIFAR, ...CPU_TRANSFORMER_SIZES.tiny, head: 'cls', positionEmbedding: 'learned' },
  'vit-tiny-flatten': { ...CIFAR, ...CPU_TRANSFORMER_SIZES.tiny, head: 'flatten', positionEmbedding: 'none' },
  'vit-mini': { ...CIFAR, ...CPU_TRANSFORMER_SIZES.mini, head: 'cls', positionEmbedding: 'learned' },
  // ait-tiny-conv with a plain MLP in place of the global workspace layer: the same stem, patches,
  // positions, attention and head, the MLP width chosen for the same parameter count on Triangle
  'vit-tiny-conv': { ...CONV_TINY_TRUNK, convStem: [...CONV_TINY_TRUNK.convStem], mlpDim: 344, head: 'mean' },
};

const DESCRIPTIONS: Record<string, string> = {
  'vit-base': 'ViT-Base: 12 blocks, D 768, 12 heads of 64, MLP 3072, CLS token and learned position embedding',
  'vit-base-flatten':
    "ViT-Base with AiT's flatten head (LN(N*D) -> Linear), no CLS token or position embedding: the model AiT compares with",
  'vit-tiny': 'CPU-size ViT for 16x16 images: 2 blocks, D 96, 3 heads of 32, MLP 384, CLS token and learned position embedding',
  'vit-tiny-flatten': 'CPU-size ViT with the flatten head for 16x16 images: 2 blocks, D 96, 3 heads of 32, MLP 384',
  'vit-mini': 'CPU-size ViT for 32x32 images: 4 blocks, D 128, 4 heads of 32, MLP 512, CLS token and learned position embedding',
  'vit-tiny-conv':
    "CPU-size ViT with ait-tiny-conv's convolutional tokenizer for 64x64 images (Triangle): its stem (8 then 16 channels), 2x2 patches and sine-cosine positions, 2 blocks, D 64, 4 heads of 16, MLP 344 (ait-tiny-conv's parameter count), mean head",
};

/** Training settings of presets tuned beyond their scale's default recipe. */
const RECIPES: Record<string, PresetRecipe> = {
  // the recipe of ait-tiny-conv, the model it is the baseline of
  'vit-tiny-conv': { lr: 2e-3 },
};

registerFamily({
  family: 'vit',
  source: SOURCE,
  schema: vitConfigSchema,
  create: (config) => new VisionTransformer(config as VisionTransformerArgs),
  presets: familyPresets({ paper: VIT_PAPER_PRESETS, cpu: VIT_CPU_PRESETS }, DESCRIPTIONS, RECIPES),
});
