import { z } from '@ait/core';

/**
 * The most blocks (layers) a model config may ask for. Far above every published model (ViT-H has
 * 32, Perceiver 48 latent layers); a bound so that a mistyped or hostile config (`depth: 2 ** 31`)
 * is refused by validation instead of building layers until the heap runs out.
 */
export const MAX_MODEL_LAYERS = 1024;

/** A count of blocks: a positive integer of at most {@link MAX_MODEL_LAYERS}. */
export const layerCountSchema = z
  .number()
  .int()
  .positive()
  .max(MAX_MODEL_LAYERS, { message: `at most ${MAX_MODEL_LAYERS} blocks (a larger count is surely a typo)` });
