import { rateSchema, z } from '@ait/core';
import { layerCountSchema } from '../layer-count';
import { familySchemas, type ConfigProblem } from '../../blocks/config-checks';
import { imageClassifierFields } from '../../blocks/image-classifier-options';

/** The AFT token mixers: AFT-full, AFT-local, AFT-simple and AFT-conv. */
export const AFT_VARIANTS = ['full', 'local', 'simple', 'conv'] as const;

/** One of {@link AFT_VARIANTS}. */
export type AftVariant = (typeof AFT_VARIANTS)[number];

const aftFields = {
  ...imageClassifierFields,
  /** Which AFT token mixer replaces self-attention. */
  variant: z.enum(AFT_VARIANTS),
  /** Side of the square patches. */
  patchSize: z.number().int().positive(),
  /** Token width D. */
  dim: z.number().int().positive(),
  /** Number of blocks. */
  depth: layerCountSchema,
  /** Feed-forward hidden width as a multiple of D (DeiT: 4). */
  mlpRatio: z.number().positive().default(4),
  /** Width of Q, K, V inside the mixer; `null` = D. */
  hiddenDim: z.number().int().positive().nullable().default(null),
  /** full / local: rank of the position biases `u v^T`; `null` learns the full `[T, T]` matrix. */
  positionRank: z.number().int().positive().nullable().default(64),
  /** local: window s (`|t - t'| < s` keeps the bias, in raster order of the tokens). */
  windowSize: z.number().int().positive().nullable().default(null),
  /** conv: number of heads (one key channel and one kernel each). */
  convHeads: z.number().int().positive().default(16),
  /** conv: odd kernel side s. */
  kernelSize: z.number().int().positive().default(7),
  /** Learned position table added to the patch tokens, or none (the paper's AFT-conv uses none). */
  positionEmbedding: z.enum(['learned', 'none']).default('learned'),
  /** Dropout in the feed-forward networks. */
  dropout: rateSchema.default(0),
  /** Stochastic depth on both residual branches. */
  dropPath: rateSchema.default(0),
};

interface CheckedFields {
  variant: AftVariant;
  dim: number;
  hiddenDim: number | null;
  windowSize: number | null;
  convHeads: number;
  kernelSize: number;
}

function checkAft(cfg: CheckedFields): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (cfg.variant === 'local' && cfg.windowSize === null) {
    problems.push({ path: 'windowSize', message: "variant 'local' needs a windowSize (the half-width s of the local window)." });
  }
  if (cfg.variant === 'conv') {
    if (cfg.kernelSize % 2 === 0) problems.push({ path: 'kernelSize', message: `must be odd (a centred window), got ${cfg.kernelSize}.` });
    const hidden = cfg.hiddenDim ?? cfg.dim;
    if (hidden % cfg.convHeads !== 0) {
      problems.push({ path: 'convHeads', message: `the mixer width ${hidden} must be divisible by convHeads ${cfg.convHeads}.` });
    }
  }
  return problems;
}

const schemas = familySchemas(aftFields, checkAft);

/** Config schema of the AFT family (validated by `createModel`). */
export const aftSchema = schemas.config;

/** The same fields plus tfjs' base layer arguments, as the model's constructor receives them. */
export const aftLayerSchema = schemas.layer;

/** A complete, validated AFT config. */
export type AftConfig = z.output<typeof aftSchema>;
