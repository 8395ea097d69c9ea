import { ConfigError, type z } from '@ait/core';
import type { VisionModel } from '../models/vision-model';

/**
 * Training settings a preset recommends (all optional); the CLI's recipe for the preset's scale
 * fills in the rest, and command-line flags override both.
 */
export interface PresetRecipe {
  /** Epochs to train. */
  readonly epochs?: number;
  /** Examples per optimiser step. */
  readonly batchSize?: number;
  /** Peak learning rate of the warm-up + cosine schedule. */
  readonly lr?: number;
  /** AdamW's decoupled weight decay. */
  readonly weightDecay?: number;
  /** Linear warm-up length in epochs. */
  readonly warmupEpochs?: number;
  /** Label smoothing of the cross-entropy. */
  readonly labelSmoothing?: number;
  /** Global gradient-norm clip; 0 switches it off. */
  readonly clipNorm?: number;
}

/** One named preset of a model family, as registered with {@link registerModel}. */
export interface ModelSpec<Schema extends z.ZodType = z.ZodType> {
  /** Registry name, e.g. `ait-mini`, `vit-base`, `aft-full-tiny`. Lower-case, dash-separated. */
  readonly name: string;
  /** Family, e.g. `ait`, `vit`, `coordination`, `set-transformer`, `perceiver`, `aft`, `mlp-mixer`. */
  readonly family: string;
  /** One line for `listModels()` and the CLI. */
  readonly description: string;
  /** Where the architecture comes from (paper, reference code). */
  readonly source: string;
  /** `paper` for the sizes the papers used, `cpu` for presets sized for tests and demos on a CPU. */
  readonly scale: 'paper' | 'cpu';
  /** The family's config schema (zod); overrides are merged into `defaults` and validated with it. */
  readonly schema: Schema;
  /** The full config of this preset. */
  readonly defaults: z.input<Schema>;
  /** Training settings this preset was tuned with, if they differ from its scale's defaults. */
  readonly recipe?: PresetRecipe;
  /** Builds an unbuilt model from a validated config. */
  create(config: z.output<Schema>): VisionModel;
}

/** What {@link listModels} reports for each preset. */
export interface ModelInfo {
  readonly name: string;
  readonly family: string;
  readonly description: string;
  readonly source: string;
  readonly scale: 'paper' | 'cpu';
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Training settings the preset was tuned with, if any (see {@link PresetRecipe}). */
  readonly recipe?: PresetRecipe;
}

const registry = new Map<string, ModelSpec>();

/** Adds a preset to the registry; throws if the name is taken. */
export function registerModel<Schema extends z.ZodType>(spec: ModelSpec<Schema>): void {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(spec.name)) {
    throw new Error(`registerModel: "${spec.name}" is not a valid model name (lower-case words joined by dashes).`);
  }
  if (registry.has(spec.name)) {
    throw new Error(`registerModel: a model named "${spec.name}" is already registered.`);
  }
  registry.set(spec.name, spec as unknown as ModelSpec);
}

/** Every registered preset, sorted by family then name; optionally only one family or scale. */
export function listModels(filter: { family?: string; scale?: 'paper' | 'cpu' } = {}): ModelInfo[] {
  return [...registry.values()]
    .filter((s) => (filter.family === undefined || s.family === filter.family) && (filter.scale === undefined || s.scale === filter.scale))
    .sort((a, b) => a.family.localeCompare(b.family) || a.name.localeCompare(b.name))
    .map((s) => ({
      name: s.name,
      family: s.family,
      description: s.description,
      source: s.source,
      scale: s.scale,
      defaults: s.defaults as Record<string, unknown>,
      ...(s.recipe ? { recipe: s.recipe } : {}),
    }));
}

function closestNames(name: string): string[] {
  const names = [...registry.keys()];
  const prefix = name.split('-')[0] ?? name;
  const related = names.filter((n) => n.startsWith(prefix));
  return (related.length > 0 ? related : names).slice(0, 12);
}

/**
 * Asks {@link createModel} for a pretrained model: `createModel(name, { pretrained: true })` is
 * `loadPretrainedModel(name)` (see `listPretrained` for the names).
 */
export interface PretrainedModelRequest {
  readonly pretrained: true;
}

/**
 * Loads the pretrained model `name` (a name of `listPretrained()`, e.g. `ait-tiny-conv-triangle`,
 * not a preset name): the same as `loadPretrainedModel(name)`. Asynchronous, unlike the preset
 * form: the weights live in a chunk of their own that is imported on demand (so that pages that
 * never ask for them never download them) and are checked against the manifest's SHA-256 before
 * use. The config is the one the weights were trained with, so no overrides go with it.
 *
 * @example
 * ```ts
 * import { initBackend } from '@ait/core';
 * import { createModel, listPretrained } from '@ait/vision';
 *
 * await initBackend({ backend: 'auto' });
 * for (const info of listPretrained()) {
 *   const model = await createModel(info.name, { pretrained: true });
 *   console.log(`${info.name}: ${model.countParams()} parameters, ${(100 * info.accuracy).toFixed(2)} % on ${info.dataset.name}`);
 *   model.dispose();
 * }
 * ```
 */
export function createModel(name: string, options: PretrainedModelRequest): Promise<VisionModel>;
/**
 * Builds the model registered as `name`, with `overrides` merged into the preset's config and
 * validated by the family's schema (a `ConfigError` names every bad field). The model is unbuilt:
 * it builds on its first `apply`. (`pretrained: false` is allowed and ignored.)
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from '@ait/core';
 * import { createModel, listModels } from '@ait/vision';
 *
 * await initBackend({ backend: 'cpu' });
 * console.log(listModels().map((m) => m.name)); // every preset: 'ait-tiny', 'vit-tiny', ...
 * // the preset ait-tiny (16 x 16 images, 10 classes) with 4 classes
 * const model = createModel('ait-tiny', { classes: 4 });
 * const logits = model.apply(tf.zeros([2, 16, 16, 3])) as tf.Tensor; // [2, 4]
 * ```
 */
export function createModel(name: string, overrides?: Record<string, unknown> & { readonly pretrained?: false }): VisionModel;
export function createModel(
  name: string,
  overrides: Record<string, unknown> | PretrainedModelRequest = {},
): VisionModel | Promise<VisionModel> {
  const { pretrained, ...config } = overrides as Record<string, unknown>;
  if (pretrained === true) {
    const others = Object.keys(config);
    if (others.length > 0) {
      return Promise.reject(
        new Error(
          `createModel("${name}", { pretrained: true }) takes no other options (got ${others.join(', ')}): a pretrained model keeps ` +
            'the config it was trained with. Load it alone, or build the preset without pretrained weights.',
        ),
      );
    }
    return import('../pretrained/load-pretrained-model').then((m) => m.loadPretrainedModel(name));
  }
  if (pretrained !== undefined && pretrained !== false) {
    throw new Error(`createModel("${name}"): pretrained must be true or false, got ${JSON.stringify(pretrained)}.`);
  }
  const spec = registry.get(name);
  if (!spec) {
    throw new Error(`Unknown model "${name}". Known models include: ${closestNames(name).join(', ')}. See listModels().`);
  }
  const merged = { ...(spec.defaults as Record<string, unknown>), ...config };
  const parsed = spec.schema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(
      `model "${name}"`,
      parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  return spec.create(parsed.data);
}
