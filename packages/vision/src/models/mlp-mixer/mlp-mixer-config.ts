import { rateSchema, z } from '@ait/core';
import { layerCountSchema } from '../layer-count';
import { familySchemas } from '../../blocks/config-checks';
import { imageClassifierFields } from '../../blocks/image-classifier-options';

/**
 * The shape of an MLP-Mixer, shared by the parallelized MLP-Mixer: patch side, channel width,
 * number of layers (blocks) and the hidden widths of the two MLPs.
 */
export const mixerShapeFields = {
  ...imageClassifierFields,
  /** Side of the square patches (Mixer-S/16: 16). */
  patchSize: z.number().int().positive(),
  /** Channel width C (Mixer-S: 512, Mixer-B: 768). */
  dim: z.number().int().positive(),
  /** Number of Mixer layers (S: 8, B: 12). */
  depth: layerCountSchema,
  /** Hidden width D_S of the token-mixing MLP (S: 256, B: 384; the parallelized Mixer's reference: dim / 2). */
  tokenMlpDim: z.number().int().positive(),
  /** Hidden width D_C of the channel-mixing MLP (S: 2048, B: 3072; the parallelized Mixer's reference: 4 dim). */
  channelMlpDim: z.number().int().positive(),
};

const mlpMixerFields = {
  ...mixerShapeFields,
  /** Dropout inside both MLPs. */
  dropout: rateSchema.default(0),
  /** Stochastic depth on both residual branches. */
  dropPath: rateSchema.default(0),
};

const schemas = familySchemas(mlpMixerFields);

/** Config schema of the MLP-Mixer family (validated by `createModel`). */
export const mlpMixerSchema = schemas.config;

/** The same fields plus tfjs' base layer arguments, as the model's constructor receives them. */
export const mlpMixerLayerSchema = schemas.layer;

/** A complete, validated MLP-Mixer config. */
export type MlpMixerConfig = z.output<typeof mlpMixerSchema>;
