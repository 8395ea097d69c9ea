import { rateSchema, z } from '@ait/core';
import { layerCountSchema } from '../layer-count';
import { checkDivisible, familySchemas } from '../../blocks/config-checks';
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

const schemas = familySchemas(perceiverFields, (c) => [
  ...checkDivisible(c, 'latentDim', 'crossHeads'),
  ...checkDivisible(c, 'latentDim', 'latentHeads'),
]);

/** Config schema of the Perceiver family (validated by `createModel`). */
export const perceiverSchema = schemas.config;

/** The same fields plus tfjs' base layer arguments, as the model's constructor receives them. */
export const perceiverLayerSchema = schemas.layer;

/** A complete, validated Perceiver config. */
export type PerceiverConfig = z.output<typeof perceiverSchema>;
