// A very small AiT configuration for unit tests (8x8 images, 4 tokens per image).
import type { AssociativeTransformerArgs } from '../../src/index';

/** 8x8x3 images, patch 4 (4 tokens), D 16, one block, 4 priors of width 8, 2 bottleneck heads, k 3. */
export const SMALL_AIT: AssociativeTransformerArgs = {
  imageSize: 8,
  patchSize: 4,
  channels: 3,
  classes: 3,
  dim: 16,
  depth: 1,
  numHeads: 2,
  headDim: 8,
  mlpDim: 32,
  memorySlots: 4,
  memoryDim: 8,
  memoryHeads: 2,
  topK: 3,
};
