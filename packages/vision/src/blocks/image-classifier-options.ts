import { z } from '@ait/core';
import type { VisionInputSpec } from './vision-inputs';

/**
 * The zod fields every image classifier of the Coordination / Set Transformer / Perceiver / AFT /
 * MLP-Mixer families shares, to spread into a family's strict config schema (each field documented
 * below; the API reference lists them in every family's options table).
 */
export const imageClassifierFields = {
  /** Number of classes (output logits), at least 2. */
  classes: z.number().int().min(2),
  /**
   * Side of the square images the model is meant for; `null`: any size that fits, fixed when the
   * model is built. Models whose weights depend on the number of tokens check their input with it.
   */
  imageSize: z.number().int().positive().nullable().default(null),
  /** Image channels; `null`: taken from the first input. */
  channels: z.number().int().positive().nullable().default(null),
  /** Keep the internal maps of each forward pass for `internalMaps()`. */
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
