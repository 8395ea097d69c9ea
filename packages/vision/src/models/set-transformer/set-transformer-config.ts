import { rateSchema, z } from '@ait/core';
import { layerCountSchema, MAX_MODEL_LAYERS } from '../layer-count';
import { checkDivisible, familySchemas } from '../../blocks/config-checks';
import { imageClassifierFields } from '../../blocks/image-classifier-options';

const setTransformerFields = {
  ...imageClassifierFields,
  /** Side of the square patches that form the set elements. */
  patchSize: z.number().int().positive(),
  /** Width of every block (`dim_hidden` of the reference). */
  dim: z.number().int().positive(),
  /** Attention heads; `dim` must divide by it. */
  heads: z.number().int().positive(),
  /** Encoder blocks. */
  encoderLayers: layerCountSchema,
  /** Inducing points m of each encoder ISAB; `null` uses full set attention blocks (SAB, O(n^2)). */
  inducingPoints: z.number().int().positive().nullable().default(null),
  /** PMA seeds k (pooled outputs). */
  seeds: z.number().int().positive().default(1),
  /** Set attention blocks after the pooling. */
  decoderLayers: z.number().int().nonnegative().max(MAX_MODEL_LAYERS).default(0),
  /** LayerNorm inside every MAB (the paper's definition; the reference's `ln` flag). */
  layerNorm: z.boolean().default(true),
  /** Position information for the patch set: none (a true set) or a learned table. */
  positionEmbedding: z.enum(['none', 'learned']).default('learned'),
  /** Dropout before the pooling and before the head (the reference classifier: 0.5). */
  dropout: rateSchema.default(0),
};

const schemas = familySchemas(setTransformerFields, (c) => checkDivisible(c, 'dim', 'heads'));

/** Config schema of the Set Transformer family (validated by `createModel`). */
export const setTransformerSchema = schemas.config;

/** The same fields plus tfjs' base layer arguments, as the model's constructor receives them. */
export const setTransformerLayerSchema = schemas.layer;

/** A complete, validated Set Transformer config. */
export type SetTransformerConfig = z.output<typeof setTransformerSchema>;
