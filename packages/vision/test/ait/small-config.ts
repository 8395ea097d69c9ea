// A very small AiT configuration for unit tests (8x8 images, 4 tokens per image).
import type { AssociativeTransformerArgs } from '../../src/index';
import { COMPAT_MODELS } from '../compat/compat-models';

/**
 * 8x8x3 images, patch 4 (4 tokens), D 16, one block, 4 priors of width 8, 2 bottleneck heads:
 * the widths of the `ait-tiny` compatibility fixture, with 3 classes and k 3.
 */
export const SMALL_AIT: AssociativeTransformerArgs = { ...COMPAT_MODELS['ait-tiny'], patchSize: 4, channels: 3, classes: 3, topK: 3 };
