import { z } from '@ait/core';
import type { VisionInputSpec } from './vision-inputs';

/**
 * The zod fields every image classifier of the Coordination / Set Transformer / Perceiver / AFT /
 * MLP-Mixer families shares, to spread into a family's strict config schema:
 * - `classes`: number of output logits (>= 2);
 * - `imageSize`: side of the square images the model is meant for (`null`: any size that fits,
 *   fixed when the model is built); models whose weights depend on the number of tokens use it
 *   to check their input;
 * - `channels`: image channels (`null`: taken from the first input);
 * - `recordMaps`: whether each forward pass keeps its internal maps for `internalMaps()`.
 */
export const imageClassifierFields = {
  classes: z.number().int().min(2),
  imageSize: z.number().int().positive().nullable().default(null),
  channels: z.number().int().positive().nullable().default(null),
  recordMaps: z.boolean().default(false),
};

/**
 * The input spec of a model configured with {@link imageClassifierFields}: images of `imageSize`
 * (any size when `null`) with `channels` channels, no question input; `fixedBy` names the part
 * that fixes the number of tokens, if any.
 */
export function imageClassifierInputSpec(c: { imageSize: number | null; channels: number | null }, fixedBy?: string): VisionInputSpec {
  return { imageSize: c.imageSize, channels: c.channels, questionDim: null, ...(fixedBy ? { fixedBy } : {}) };
}
