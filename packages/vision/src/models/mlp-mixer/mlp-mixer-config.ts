import { layerArgsShape, rateSchema, z } from '@ait/core';
import { imageClassifierFields } from '../../blocks/image-classifier-options';

const mlpMixerFields = {
  ...imageClassifierFields,
  /** Side of the square patches (Mixer-S/16: 16). */
  patchSize: z.number().int().positive(),
  /** Channel width C (Mixer-S: 512, Mixer-B: 768). */
  dim: z.number().int().positive(),
  /** Number of Mixer layers (S: 8, B: 12). */
  depth: z.number().int().positive(),
  /** Hidden width D_S of the token-mixing MLP (S: 256, B: 384). */
  tokenMlpDim: z.number().int().positive(),
  /** Hidden width D_C of the channel-mixing MLP (S: 2048, B: 3072). */
  channelMlpDim: z.number().int().positive(),
  /** Dropout inside both MLPs. */
  dropout: rateSchema.default(0),
  /** Stochastic depth on both residual branches. */
  dropPath: rateSchema.default(0),
};

/** Config schema of the MLP-Mixer family (validated by `createModel`). */
export const mlpMixerSchema = z.strictObject(mlpMixerFields);

/** The same fields plus tfjs' base layer arguments, as the model's constructor receives them. */
export const mlpMixerLayerSchema = z.strictObject({ ...layerArgsShape, ...mlpMixerFields });

/** A complete, validated MLP-Mixer config. */
export type MlpMixerConfig = z.output<typeof mlpMixerSchema>;
