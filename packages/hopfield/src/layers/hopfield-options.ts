import * as tf from '@tensorflow/tfjs-core';
import {
  gelu,
  KERNEL_INITIALIZER_NAMES,
  layerArgsShape,
  rateSchema,
  z,
  type AitLayerArgs,
  type KernelInitializerName,
} from '@ait/core';

/** Activations that may follow the Hopfield association (`associationActivation`). */
export const ASSOCIATION_ACTIVATIONS = ['relu', 'gelu', 'geluTanh', 'tanh', 'sigmoid', 'softplus', 'elu'] as const;

/** One of {@link ASSOCIATION_ACTIVATIONS}. */
export type AssociationActivation = (typeof ASSOCIATION_ACTIVATIONS)[number];

const positiveInt = z.number().int().positive();
const positive = z.number().positive().finite();

/** The zod shape of every option shared by `Hopfield`, `HopfieldPooling` and `HopfieldLayer`. */
export const hopfieldOptionsShape = {
  ...layerArgsShape,
  hiddenSize: positiveInt.nullish(),
  outputSize: positiveInt.nullish(),
  patternSize: positiveInt.nullish(),
  numHeads: positiveInt.default(1),
  scaling: z.union([positive, z.array(positive).min(1)]).nullish(),
  updateStepsMax: z.number().int().nonnegative().nullable().default(0),
  updateStepsEps: z.union([positive, z.array(positive).min(1)]).default(1e-4),
  normalizeStoredPattern: z.boolean().default(true),
  normalizeStoredPatternAffine: z.boolean().default(true),
  normalizeStoredPatternEps: positive.default(1e-5),
  normalizeStatePattern: z.boolean().default(true),
  normalizeStatePatternAffine: z.boolean().default(true),
  normalizeStatePatternEps: positive.default(1e-5),
  normalizePatternProjection: z.boolean().default(true),
  normalizePatternProjectionAffine: z.boolean().default(true),
  normalizePatternProjectionEps: positive.default(1e-5),
  normalizeHopfieldSpace: z.boolean().default(false),
  normalizeHopfieldSpaceAffine: z.boolean().default(false),
  normalizeHopfieldSpaceEps: positive.default(1e-5),
  storedPatternAsStatic: z.boolean().default(false),
  statePatternAsStatic: z.boolean().default(false),
  patternProjectionAsStatic: z.boolean().default(false),
  patternProjectionAsConnected: z.boolean().default(false),
  associationActivation: z.enum(ASSOCIATION_ACTIVATIONS).nullish(),
  dropout: rateSchema.default(0),
  inputBias: z.boolean().default(true),
  concatBiasPattern: z.boolean().default(false),
  addZeroAssociation: z.boolean().default(false),
  disableOutProjection: z.boolean().default(false),
  kernelInitializer: z.enum(KERNEL_INITIALIZER_NAMES).default('truncatedNormal'),
  storedPatternPaddingMaskInput: z.boolean().default(false),
  associationMaskInput: z.boolean().default(false),
  returnAssociations: z.boolean().default(false),
  storeAssociations: z.boolean().default(false),
};

/** The zod schema of {@link HopfieldArgs}. */
export const hopfieldSchema = z.strictObject(hopfieldOptionsShape);

/** Parsed options with defaults applied. */
export type HopfieldConfig = z.output<typeof hopfieldSchema>;

/**
 * Options of the Hopfield layers: the option set of ml-jku `hopfield-layers` in camelCase, with
 * its faults fixed (bias patterns take effect, per-head `scaling` multiplies its own head, every
 * normalisation has its `eps`, and an `...Affine` flag without its normalisation is simply unused).
 */
export interface HopfieldOptions {
  /** Width of each head in the Hopfield (association) space; default `stateWidth / numHeads` (the whole static state width when `statePatternAsStatic`). */
  hiddenSize?: number | null;
  /** Output width after the output projection; default the state width. */
  outputSize?: number | null;
  /** Width of each head's projected patterns (values); default `hiddenSize`. */
  patternSize?: number | null;
  /** Number of heads; default 1. */
  numHeads?: number;
  /** Inverse temperature beta, one number or one per head; default `1 / sqrt(hiddenSize)` (1 when everything is static). */
  scaling?: number | number[] | null;
  /** State updates after the first association: 0 (default) = one step; `null` = until every head converged. */
  updateStepsMax?: number | null;
  /** A head stops once its association matrix changes by at most this (Frobenius norm); one number or one per head; default 1e-4. */
  updateStepsEps?: number | number[];
  /** Layer norm on the stored patterns before projection; default true. */
  normalizeStoredPattern?: boolean;
  /** Learned scale and shift in that norm; default true. */
  normalizeStoredPatternAffine?: boolean;
  /** Its epsilon; default 1e-5. */
  normalizeStoredPatternEps?: number;
  /** Layer norm on the state patterns; default true. */
  normalizeStatePattern?: boolean;
  /** Learned scale and shift in that norm; default true. */
  normalizeStatePatternAffine?: boolean;
  /** Its epsilon; default 1e-5. */
  normalizeStatePatternEps?: number;
  /** Layer norm on the pattern projection (values) input; default true. */
  normalizePatternProjection?: boolean;
  /** Learned scale and shift in that norm; default true. */
  normalizePatternProjectionAffine?: boolean;
  /** Its epsilon; default 1e-5. */
  normalizePatternProjectionEps?: number;
  /** Layer norm over each head's width of the projected states and stored patterns, in the Hopfield space; default false. */
  normalizeHopfieldSpace?: boolean;
  /** Learned scale and shift `[hiddenSize]` (shared by states and stored patterns and by all heads); default false. */
  normalizeHopfieldSpaceAffine?: boolean;
  /** Its epsilon; default 1e-5. */
  normalizeHopfieldSpaceEps?: number;
  /** Use the stored patterns as they are (width `hiddenSize`, the same for every head), without projection; default false. */
  storedPatternAsStatic?: boolean;
  /** Use the state patterns as they are (width `hiddenSize`), without projection; default false. */
  statePatternAsStatic?: boolean;
  /** Use the pattern projection input as it is (width `patternSize`), without projection; default false. */
  patternProjectionAsStatic?: boolean;
  /** Project the pattern projection input with the stored-pattern projection (needs `patternSize === hiddenSize` and inputs of the stored width); default false. */
  patternProjectionAsConnected?: boolean;
  /** Activation applied to the layer output; default none. */
  associationActivation?: AssociationActivation | null;
  /** Dropout rate on the association matrix while training; default 0. */
  dropout?: number;
  /** Biases in the input and output projections; default true. */
  inputBias?: boolean;
  /** Append a learned bias pattern to the projected stored patterns and to the projected values; default false. */
  concatBiasPattern?: boolean;
  /** Append an all-zero pattern to the projected stored patterns and values; default false. */
  addZeroAssociation?: boolean;
  /** Leave out the output projection (output width `numHeads * patternSize`); default false. */
  disableOutProjection?: boolean;
  /** Initialiser of the projections and bias patterns; default `truncatedNormal` (stddev 0.02). */
  kernelInitializer?: KernelInitializerName;
  /** Whether an input `[batch, S]` after the data inputs marks the valid stored patterns (1 = valid, 0 = padding); default false. */
  storedPatternPaddingMaskInput?: boolean;
  /** Whether a last input `[L, S]` / `[batch, L, S]` / `[batch, heads, L, S]` says which associations are allowed (1 = allowed); default false. */
  associationMaskInput?: boolean;
  /** Whether `call` returns `[output, associations [batch, heads, L, S]]`; default false. */
  returnAssociations?: boolean;
  /** Whether each call keeps a copy of its associations (`lastAssociations`); default false. */
  storeAssociations?: boolean;
}

/** Options of {@link Hopfield}: {@link HopfieldOptions} plus the tfjs layer arguments. */
export interface HopfieldArgs extends AitLayerArgs, HopfieldOptions {}

/** Applies a {@link AssociationActivation} elementwise. */
export function applyAssociationActivation(x: tf.Tensor, activation: AssociationActivation | null | undefined): tf.Tensor {
  switch (activation) {
    case null:
    case undefined:
      return x;
    case 'relu':
      return tf.relu(x);
    case 'gelu':
      return gelu(x, 'none');
    case 'geluTanh':
      return gelu(x, 'tanh');
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'softplus':
      return tf.softplus(x);
    case 'elu':
      return tf.elu(x);
    default:
      throw new Error(`associationActivation: unknown activation '${String(activation)}'; use one of ${ASSOCIATION_ACTIVATIONS.join(', ')}.`);
  }
}

/** The Hopfield options of a parsed config (defaults applied), as a JSON-safe dict for `getConfig`. */
export function hopfieldConfigDict(cfg: HopfieldConfig): tf.serialization.ConfigDict {
  const keys = Object.keys(hopfieldOptionsShape).filter((k) => !(k in layerArgsShape));
  const out: tf.serialization.ConfigDict = {};
  const record = cfg as unknown as Record<string, unknown>;
  for (const k of keys) {
    const v = record[k];
    out[k] = (v === undefined ? null : v) as tf.serialization.ConfigDictValue;
  }
  return out;
}
