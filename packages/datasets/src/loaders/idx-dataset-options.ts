import { z } from '@ait/core';
import type { NormalizationStats } from '../dataset/dataset';
import { loadModeSchema } from './load-mode';

/**
 * The zod shape of the options an IDX data set takes however its files are found
 * (`loadIdxDataset` by path, `loadMnistFormat` by folder and split), documented on
 * `IdxDatasetOptions`.
 */
export const idxDatasetOptionsShape = {
  name: z.string('must be a string'),
  labelNames: z.array(z.string()).min(1, 'must name at least one class'),
  normalization: z.custom<NormalizationStats>((v) => typeof v === 'object' && v !== null).optional(),
  mode: loadModeSchema.default('memory'),
  hint: z.string().default(''),
};

/** An image size `[H, W]`. */
export const imageSizeSchema = z.tuple([z.number().int().min(1), z.number().int().min(1)]);
