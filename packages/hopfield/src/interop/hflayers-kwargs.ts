import { validateConfig, z } from '@ait/core';

/** The PyTorch reference the maps follow: ml-jku's `hopfield-layers` (package `hflayers`). */
export const HFLAYERS_REPOSITORY = 'ml-jku/hopfield-layers';
/** The commit of {@link HFLAYERS_REPOSITORY} whose code the maps were written from and checked against. */
export const HFLAYERS_COMMIT = 'f56f929c95b77a070ae675ea4f56b6d54d36e730';

/** The three `hflayers` modules with a map: `Hopfield`, `HopfieldPooling` and `HopfieldLayer`. */
export const HFLAYERS_MODULES = ['Hopfield', 'HopfieldPooling', 'HopfieldLayer'] as const;

/** One of {@link HFLAYERS_MODULES}. */
export type HflayersModule = (typeof HFLAYERS_MODULES)[number];

const positiveInt = z.number().int().positive();
const positive = z.number().positive().finite();
/** A Python float or a 1-D tensor given as its list of values (one per head). */
const perHeadFloat = z.union([positive, z.array(positive).min(1)]);

/** Keyword arguments every hflayers module takes, with hflayers' defaults. */
const sharedShape = {
  hidden_size: positiveInt.nullish(),
  output_size: positiveInt.nullish(),
  pattern_size: positiveInt.nullish(),
  num_heads: positiveInt.default(1),
  /** A float, or a tensor `[num_heads]` given as a list. */
  scaling: perHeadFloat.nullish(),
  /** An int, `null` (Python `None`: until converged) or a tensor `[num_heads]` given as a list. */
  update_steps_max: z
    .union([z.number().int().nonnegative(), z.array(z.number().int()).min(1)])
    .nullable()
    .default(0),
  /** A float or a tensor `[num_heads]` given as a list. */
  update_steps_eps: perHeadFloat.default(1e-4),
  normalize_stored_pattern: z.boolean().default(true),
  normalize_stored_pattern_affine: z.boolean().default(true),
  normalize_state_pattern: z.boolean().default(true),
  normalize_state_pattern_affine: z.boolean().default(true),
  normalize_pattern_projection: z.boolean().default(true),
  normalize_pattern_projection_affine: z.boolean().default(true),
  normalize_hopfield_space: z.boolean().default(false),
  normalize_hopfield_space_affine: z.boolean().default(false),
  stored_pattern_as_static: z.boolean().default(false),
  state_pattern_as_static: z.boolean().default(false),
  pattern_projection_as_static: z.boolean().default(false),
  pattern_projection_as_connected: z.boolean().default(false),
  stored_pattern_size: positiveInt.nullish(),
  pattern_projection_size: positiveInt.nullish(),
  batch_first: z.boolean().default(true),
  /** The name of a `torch` function (`getattr(torch, name)`), e.g. `'tanh'`. */
  association_activation: z.string().nullish(),
  dropout: z.number().min(0).max(1).default(0),
  input_bias: z.boolean().default(true),
  concat_bias_pattern: z.boolean().default(false),
  add_zero_association: z.boolean().default(false),
  disable_out_projection: z.boolean().default(false),
};

const hopfieldKwargsSchema = z.strictObject({
  ...sharedShape,
  input_size: positiveInt.nullish(),
  normalize_stored_pattern_eps: positive.default(1e-5),
  normalize_state_pattern_eps: positive.default(1e-5),
  normalize_pattern_projection_eps: positive.default(1e-5),
  normalize_hopfield_space_eps: positive.default(1e-5),
});

const poolingKwargsSchema = z.strictObject({
  ...sharedShape,
  input_size: positiveInt,
  quantity: positiveInt.default(1),
  trainable: z.boolean().default(true),
});

const layerKwargsSchema = z.strictObject({
  ...sharedShape,
  input_size: positiveInt,
  quantity: positiveInt.default(1),
  trainable: z.boolean().default(true),
  lookup_weights_as_separated: z.boolean().default(false),
  lookup_targets_as_trainable: z.boolean().default(true),
});

/**
 * Keyword arguments of `hflayers.Hopfield(...)` as JSON (Python names; `None` is `null`, a tensor
 * argument is the list of its values). Unset arguments take hflayers' defaults.
 */
export type HflayersHopfieldKwargs = z.input<typeof hopfieldKwargsSchema>;
/** Keyword arguments of `hflayers.HopfieldPooling(...)` (no `..._eps`: the wrapper does not take them). */
export type HflayersPoolingKwargs = z.input<typeof poolingKwargsSchema>;
/** Keyword arguments of `hflayers.HopfieldLayer(...)` (no `..._eps`: the wrapper does not take them). */
export type HflayersLayerKwargs = z.input<typeof layerKwargsSchema>;

/** The keyword arguments of one of the modules, by module. */
export interface HflayersKwargsOf {
  Hopfield: HflayersHopfieldKwargs;
  HopfieldPooling: HflayersPoolingKwargs;
  HopfieldLayer: HflayersLayerKwargs;
}

/**
 * One hflayers module's constructor arguments, every default filled in the way hflayers fills it:
 * the inner `Hopfield`'s arguments (`hopfield`; the wrappers' `..._eps` are hflayers' fixed 1e-5)
 * and, for the wrappers, their own.
 */
export interface HflayersModuleConfig {
  readonly module: HflayersModule;
  readonly hopfield: z.output<typeof hopfieldKwargsSchema>;
  /** Learned patterns of `HopfieldPooling` / `HopfieldLayer` (1 for `Hopfield`). */
  readonly quantity: number;
  /** `trainable` of the wrappers (the learned patterns). */
  readonly trainable: boolean;
  /** `HopfieldLayer`'s `lookup_weights_as_separated`. */
  readonly lookupWeightsAsSeparated: boolean;
  /** `HopfieldLayer`'s `lookup_targets_as_trainable`. */
  readonly lookupTargetsAsTrainable: boolean;
}

/**
 * Validates the keyword arguments of hflayers module `module` (unknown names, wrong types and
 * values hflayers rejects are a `ConfigError` naming the field) and fills in hflayers' defaults.
 */
export function parseHflayersKwargs<M extends HflayersModule>(module: M, kwargs: HflayersKwargsOf[M]): HflayersModuleConfig {
  const where = `hflayers ${module} keyword arguments`;
  if (module === 'Hopfield') {
    const hopfield = validateConfig(where, hopfieldKwargsSchema, kwargs);
    return { module, hopfield, quantity: 1, trainable: true, lookupWeightsAsSeparated: false, lookupTargetsAsTrainable: true };
  }
  if (module === 'HopfieldPooling') {
    const { quantity, trainable, ...rest } = validateConfig(where, poolingKwargsSchema, kwargs);
    const hopfield = validateConfig(where, hopfieldKwargsSchema, rest);
    return { module, hopfield, quantity, trainable, lookupWeightsAsSeparated: false, lookupTargetsAsTrainable: true };
  }
  if (module === 'HopfieldLayer') {
    const { quantity, trainable, lookup_weights_as_separated, lookup_targets_as_trainable, ...rest } = validateConfig(
      where,
      layerKwargsSchema,
      kwargs,
    );
    const hopfield = validateConfig(where, hopfieldKwargsSchema, rest);
    return {
      module,
      hopfield,
      quantity,
      trainable,
      lookupWeightsAsSeparated: lookup_weights_as_separated,
      lookupTargetsAsTrainable: lookup_targets_as_trainable,
    };
  }
  throw new TypeError(`unknown hflayers module '${String(module)}'; use one of ${HFLAYERS_MODULES.join(', ')}.`);
}
