import { rateSchema, z } from '@ait/core';
import { PARALLEL_MIXER_NORM_GAINS } from '@ait/hopfield';
import { familySchemas } from '../../blocks/config-checks';
import { mixerShapeFields } from '../mlp-mixer/mlp-mixer-config';

/**
 * The weight structures of the parallelized MLP-Mixer (the variants of `@ait/hopfield`'s
 * `ParallelMixerBlock`): `symmetric` (tied maps, exactly the three-layer Hopfield network's
 * update), `symmetryBreaking` (an extra free map W2 per MLP under an L2 penalty), `free` (vanilla
 * MLPs in parallel).
 */
export const PARALLEL_MIXER_VARIANTS = ['symmetric', 'symmetryBreaking', 'free'] as const;

const parallelMlpMixerFields = {
  ...mixerShapeFields,
  /** Weight structure of both MLPs of every block. */
  variant: z.enum(PARALLEL_MIXER_VARIANTS),
  /**
   * symmetryBreaking: lambda of the penalty `lambda (||W2_tok||^2 + ||W2_ch||^2)` of every block
   * (auxiliary losses added to the task loss by the training loop). The paper sweeps 1 down to 0;
   * change it during training with `ParallelMlpMixer.setSymmetryPenalty`.
   */
  symmetryPenalty: z.number().nonnegative().default(0.01),
  /** Update steps with tied weights per block (`nIter`). */
  nIter: z.number().int().positive().default(1),
  /** Step size alpha of `x + alpha (MLP_tok + MLP_ch)`; 1 is the Mixer's residual update. */
  stepSize: z.number().positive().default(1),
  /** Biases in the MLPs (default false, as the reference code). */
  useBias: z.boolean().default(false),
  /** Epsilon of the matrix layer norm (the reference: 1e-6). */
  epsilon: z.number().positive().default(1e-6),
  /**
   * Gain of every block's matrix layer norm (its shift is always one per entry `[N, dim]`):
   * `scalar` (default) is one gain per block, the layer-norm Lagrangian the paper's energy needs;
   * `perEntry` is a gain per entry `[N, dim]`, the authors' code's `nn.LayerNorm((N, dim))`
   * (`depth * (N * dim - 1)` more parameters; the symmetric blocks then have no energy).
   */
  normGain: z.enum(PARALLEL_MIXER_NORM_GAINS).default('scalar'),
  /** Dropout before the head. */
  dropout: rateSchema.default(0),
};

const schemas = familySchemas(parallelMlpMixerFields);

/** Config schema of the parallelized MLP-Mixer family (validated by `createModel`). */
export const parallelMlpMixerSchema = schemas.config;

/** The same fields plus tfjs' base layer arguments, as the model's constructor receives them. */
export const parallelMlpMixerLayerSchema = schemas.layer;

/** A complete, validated parallelized MLP-Mixer config. */
export type ParallelMlpMixerConfig = z.output<typeof parallelMlpMixerSchema>;
