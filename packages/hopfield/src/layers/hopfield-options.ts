import type * as tf from '@tensorflow/tfjs-core';
import {
  applyActivation,
  KERNEL_INITIALIZER_NAMES,
  layerArgsShape,
  rateSchema,
  z,
  type ActivationName,
  type LayerArgsOf,
  type LayerConfigOf,
} from '@ait/core';

/** Activations that may follow the Hopfield association (`associationActivation`); each is one of core's `ACTIVATION_NAMES`. */
export const ASSOCIATION_ACTIVATIONS = [
  'relu',
  'gelu',
  'geluTanh',
  'tanh',
  'sigmoid',
  'softplus',
  'elu',
] as const satisfies readonly ActivationName[];

/** One of {@link ASSOCIATION_ACTIVATIONS}. */
export type AssociationActivation = (typeof ASSOCIATION_ACTIVATIONS)[number];

const positiveInt = z.number().int().positive();
const positive = z.number().positive().finite();

/**
 * The zod shape of every option shared by `Hopfield`, `HopfieldPooling` and `HopfieldLayer`, each
 * documented here once.
 */
export const hopfieldOptionsShape = {
  ...layerArgsShape,
  /** Width of each head in the Hopfield (association) space; default `stateWidth / numHeads` (the whole static state width when `statePatternAsStatic`). */
  hiddenSize: positiveInt.nullish(),
  /** Output width after the output projection; default the state width. */
  outputSize: positiveInt.nullish(),
  /** Width of each head's projected patterns (values); default `hiddenSize`. */
  patternSize: positiveInt.nullish(),
  /** Number of heads; default 1. */
  numHeads: positiveInt.default(1),
  /** Inverse temperature beta, one number or one per head; default `1 / sqrt(hiddenSize)` (1 when everything is static). */
  scaling: z.union([positive, z.array(positive).min(1)]).nullish(),
  /** State updates after the first association: 0 (default) = one step; `null` = until every head converged. */
  updateStepsMax: z.number().int().nonnegative().nullable().default(0),
  /** A head stops once its association matrix changes by at most this (Frobenius norm); one number or one per head; default 1e-4. */
  updateStepsEps: z.union([positive, z.array(positive).min(1)]).default(1e-4),
  /** Layer norm on the stored patterns before projection; default true. */
  normalizeStoredPattern: z.boolean().default(true),
  /** Learned scale and shift in that norm; default true. */
  normalizeStoredPatternAffine: z.boolean().default(true),
  /** Its epsilon; default 1e-5. */
  normalizeStoredPatternEps: positive.default(1e-5),
  /** Layer norm on the state patterns; default true. */
  normalizeStatePattern: z.boolean().default(true),
  /** Learned scale and shift in that norm; default true. */
  normalizeStatePatternAffine: z.boolean().default(true),
  /** Its epsilon; default 1e-5. */
  normalizeStatePatternEps: positive.default(1e-5),
  /** Layer norm on the pattern projection (values) input; default true. */
  normalizePatternProjection: z.boolean().default(true),
  /** Learned scale and shift in that norm; default true. */
  normalizePatternProjectionAffine: z.boolean().default(true),
  /** Its epsilon; default 1e-5. */
  normalizePatternProjectionEps: positive.default(1e-5),
  /** Layer norm over each head's width of the projected states and stored patterns, in the Hopfield space; default false. */
  normalizeHopfieldSpace: z.boolean().default(false),
  /** Learned scale and shift `[hiddenSize]` (shared by states and stored patterns and by all heads); default false. */
  normalizeHopfieldSpaceAffine: z.boolean().default(false),
  /** Its epsilon; default 1e-5. */
  normalizeHopfieldSpaceEps: positive.default(1e-5),
  /** Use the stored patterns as they are (width `hiddenSize`, the same for every head), without projection; default false. */
  storedPatternAsStatic: z.boolean().default(false),
  /** Use the state patterns as they are (width `hiddenSize`), without projection; default false. */
  statePatternAsStatic: z.boolean().default(false),
  /** Use the pattern projection input as it is (width `patternSize`), without projection; default false. */
  patternProjectionAsStatic: z.boolean().default(false),
  /** Project the pattern projection input with the stored-pattern projection (needs `patternSize === hiddenSize` and inputs of the stored width); default false. */
  patternProjectionAsConnected: z.boolean().default(false),
  /** Activation applied to the layer output; default none. */
  associationActivation: z.enum(ASSOCIATION_ACTIVATIONS).nullish(),
  /** Dropout rate on the association matrix while training; default 0. */
  dropout: rateSchema.default(0),
  /** Biases in the input and output projections; default true. */
  inputBias: z.boolean().default(true),
  /** Append a learned bias pattern to the projected stored patterns and to the projected values; default false. */
  concatBiasPattern: z.boolean().default(false),
  /** Append an all-zero pattern to the projected stored patterns and values; default false. */
  addZeroAssociation: z.boolean().default(false),
  /** Leave out the output projection (output width `numHeads * patternSize`); default false. */
  disableOutProjection: z.boolean().default(false),
  /** Initialiser of the projections and bias patterns; default `truncatedNormal` (stddev 0.02). */
  kernelInitializer: z.enum(KERNEL_INITIALIZER_NAMES).default('truncatedNormal'),
  /** Whether an input `[batch, S]` after the data inputs marks the valid stored patterns (1 = valid, 0 = padding); default false. */
  storedPatternPaddingMaskInput: z.boolean().default(false),
  /** Whether a last input `[L, S]` / `[batch, L, S]` / `[batch, heads, L, S]` says which associations are allowed (1 = allowed); default false. */
  associationMaskInput: z.boolean().default(false),
  /** Whether `call` returns `[output, associations [batch, heads, L, S]]`; default false. */
  returnAssociations: z.boolean().default(false),
  /** Whether each call keeps a copy of its associations (`lastAssociations`); default false. */
  storeAssociations: z.boolean().default(false),
};

/** The zod schema of {@link HopfieldArgs}. */
export const hopfieldSchema = z.strictObject(hopfieldOptionsShape);

/** Parsed options with defaults applied (a Hopfield layer's `config`, without the tfjs layer arguments). */
export type HopfieldConfig = LayerConfigOf<typeof hopfieldSchema>;

/**
 * Options of the Hopfield layers (each documented on {@link hopfieldOptionsShape}): the option set
 * of ml-jku `hopfield-layers` in camelCase, with its faults fixed (bias patterns take effect,
 * per-head `scaling` multiplies its own head, every normalisation has its `eps`, and an
 * `...Affine` flag without its normalisation is simply unused).
 */
export type HopfieldOptions = Omit<z.input<typeof hopfieldSchema>, keyof typeof layerArgsShape>;

/** Options of {@link Hopfield}: {@link HopfieldOptions} plus the tfjs layer arguments. */
export type HopfieldArgs = LayerArgsOf<typeof hopfieldSchema>;

/** Applies a {@link AssociationActivation} elementwise (none: `x` itself). */
export function applyAssociationActivation(x: tf.Tensor, activation: AssociationActivation | null | undefined): tf.Tensor {
  if (activation === null || activation === undefined) return x;
  if (!ASSOCIATION_ACTIVATIONS.includes(activation)) {
    throw new Error(`associationActivation: unknown activation '${String(activation)}'; use one of ${ASSOCIATION_ACTIVATIONS.join(', ')}.`);
  }
  return applyActivation(x, activation);
}

/**
 * The Hopfield options of a parsed config (defaults applied; unset ones as `null`), as a JSON-safe
 * dict: what a layer with a wider config (`HopfieldPooling`, `HopfieldLayer`) gives its inner
 * `Hopfield`.
 */
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
