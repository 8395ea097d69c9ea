import { rateSchema, z } from '@ait/core';
import { checkDivisible, familySchemas } from '../../blocks/config-checks';
import { imageClassifierFields } from '../../blocks/image-classifier-options';
import { WORKSPACE_GATE_STYLES } from './shared-workspace';

const coordinationFields = {
  ...imageClassifierFields,
  /** Side of the square patches (reference: 4). */
  patchSize: z.number().int().positive(),
  /** Token width D (reference: 256). */
  dim: z.number().int().positive(),
  /** Number of layers (reference: 4). */
  layers: z.number().int().positive(),
  /** Heads of the workspace attentions (reference: 4); D must divide by it. */
  heads: z.number().int().positive(),
  /** Feed-forward hidden width F (reference: 512). */
  ffnDim: z.number().int().positive(),
  /** Memory slots M (reference: 8). */
  slots: z.number().int().positive(),
  /** Tokens each slot may read (reference: 20 on Triangle, 5 on Sort-of-CLEVR). */
  topK: z.number().int().positive(),
  /** Query / key width per head of the workspace (reference: 32). */
  keyDim: z.number().int().positive().default(32),
  /** One set of layer weights applied `layers` times (the paper's setting) or one per layer. */
  sharedParameters: z.boolean().default(true),
  /** Gate per slot element (`unit`, reference) or per slot (`memory`). */
  gateStyle: z.enum(WORKSPACE_GATE_STYLES).default('unit'),
  /** Renormalise the kept write weights (default false, as the reference). */
  renormalizeTopK: z.boolean().default(false),
  /** Read the class from the CLS token (reference) or from the mean of the tokens. */
  pool: z.enum(['cls', 'mean']).default('cls'),
  /** Dropout on both residual branches (reference: 0.1). */
  dropout: rateSchema.default(0.1),
};

const schemas = familySchemas(coordinationFields, (c) => checkDivisible(c, 'dim', 'heads', ' (the value heads split the width)'));

/** Config schema of the Coordination family (validated by `createModel`). */
export const coordinationSchema = schemas.config;

/** The same fields plus tfjs' base layer arguments, as the model's constructor receives them. */
export const coordinationLayerSchema = schemas.layer;

/** A complete, validated Coordination config. */
export type CoordinationConfig = z.output<typeof coordinationSchema>;
