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
 * Builds the model registered as `name`, with `overrides` merged into the preset's config and
 * validated by the family's schema (a `ConfigError` names every bad field). The model is unbuilt:
 * it builds on its first `apply`.
 */
export function createModel(name: string, overrides: Record<string, unknown> = {}): VisionModel {
  const spec = registry.get(name);
  if (!spec) {
    throw new Error(`Unknown model "${name}". Known models include: ${closestNames(name).join(', ')}. See listModels().`);
  }
  const merged = { ...(spec.defaults as Record<string, unknown>), ...overrides };
  const parsed = spec.schema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(
      `model "${name}"`,
      parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`),
    );
  }
  return spec.create(parsed.data);
}
