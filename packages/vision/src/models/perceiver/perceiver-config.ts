import { rateSchema, z } from '@ait/core';
import { layerCountSchema } from '../layer-count';
import { checkDivisible, familySchemas, type ConfigProblem } from '../../blocks/config-checks';
import { imageClassifierFields } from '../../blocks/image-classifier-options';

const perceiverFields = {
  ...imageClassifierFields,
  /** Side of the square patches the input array is made of; 1 (the paper) uses raw pixels. */
  patchSize: z.number().int().positive().default(1),
  /** Number of latents L (ImageNet: 512). */
  latents: z.number().int().positive(),
  /** Latent width (ImageNet: 1024). */
  latentDim: z.number().int().positive(),
  /** Cross-attention heads (the paper: 1). */
  crossHeads: z.number().int().positive().default(1),
  /**
   * Width of the cross-attention's query, key and value projections: `'latent'` (`latentDim`) or
   * `'input'`, the input array's width `patchSize^2 * channels + 2 + 4 * fourierBands` (261 on
   * ImageNet), as the authors' code does (`cross_attention_shape_for_attn='kv'`) and as the paper's
   * 44.9 M parameters count it. `'input'` needs `channels`.
   */
  crossAttentionWidth: z.enum(['latent', 'input']).default('latent'),
  /** Heads of the latent self-attention (ImageNet: 8). */
  latentHeads: z.number().int().positive(),
  /** Self-attention blocks per repeat (ImageNet: 6). */
  latentLayers: layerCountSchema,
  /** Cross-attend + latent-transformer repeats (ImageNet: 8). */
  repeats: z.number().int().positive(),
  /**
   * Share weights between repeats as the paper does: every cross-attend after the first shares
   * one set of weights, and every repeat shares the latent transformer. Off: all separate.
   */
  weightSharing: z.boolean().default(true),
  /** Fourier frequency bands per axis (ImageNet: 64). */
  fourierBands: z.number().int().positive(),
  /** Highest sampling rate of the Fourier features; `null` uses the grid size of the input array. */
  maxFrequency: z.number().positive().nullable().default(null),
  /** Feed-forward hidden width as a multiple of the latent width (the paper: 1). */
  mlpRatio: z.number().positive().default(1),
  /** Dropout in the attention outputs and feed-forward networks. */
  dropout: rateSchema.default(0),
};

/**
 * Width of a Perceiver's input array (pixels or patches with their Fourier position features),
 * `patchSize^2 * channels + 2 + 4 * fourierBands`; `null` when `channels` is not set.
 */
export function perceiverInputWidth(c: { patchSize: number; channels: number | null; fourierBands: number }): number | null {
  return c.channels === null ? null : c.patchSize * c.patchSize * c.channels + 2 + 4 * c.fourierBands;
}

/** The width of the cross-attention's projections a config asks for (`null`: the latent width). */
export function perceiverCrossAttentionDim(
  c: Pick<PerceiverConfig, 'crossAttentionWidth' | 'patchSize' | 'channels' | 'fourierBands'>,
): number | null {
  return c.crossAttentionWidth === 'input' ? perceiverInputWidth(c) : null;
}

function crossWidthProblems(c: z.output<z.ZodObject<typeof perceiverFields>>): ConfigProblem[] {
  if (c.crossAttentionWidth !== 'input') return checkDivisible(c, 'latentDim', 'crossHeads');
  const width = perceiverInputWidth(c);
  if (width === null) {
    return [
      { path: 'channels', message: "crossAttentionWidth 'input' needs channels (the input array's width depends on it); set channels" },
    ];
  }
  return width % c.crossHeads === 0
    ? []
    : [
        {
          path: 'crossHeads',
          message: `the input array's width ${width} (crossAttentionWidth 'input') must be divisible by crossHeads ${c.crossHeads}`,
        },
      ];
}

const schemas = familySchemas(perceiverFields, (c) => [...crossWidthProblems(c), ...checkDivisible(c, 'latentDim', 'latentHeads')]);

/** Config schema of the Perceiver family (validated by `createModel`). */
export const perceiverSchema = schemas.config;

/** The same fields plus tfjs' base layer arguments, as the model's constructor receives them. */
export const perceiverLayerSchema = schemas.layer;

/** A complete, validated Perceiver config. */
export type PerceiverConfig = z.output<typeof perceiverSchema>;
