import type { z } from '@ait/core';
import type { VisionModel } from '../models/vision-model';
import { registerModel, type PresetRecipe } from './model-registry';

/** One preset of a family as {@link registerFamily} takes it: its scale, description and config. */
export interface FamilyPreset<Schema extends z.ZodType> {
  /** `paper` for the sizes the papers used, `cpu` for presets sized for tests and demos on a CPU. */
  readonly scale: 'paper' | 'cpu';
  /** One line for `listModels()` and the CLI. */
  readonly description: string;
  /** The full config of the preset. */
  readonly defaults: z.input<Schema>;
  /** Training settings the preset was tuned with, if they differ from its scale's defaults. */
  readonly recipe?: PresetRecipe;
}

/** A model family and its presets, as {@link registerFamily} registers them. */
export interface ModelFamily<Schema extends z.ZodType> {
  /** Family name, e.g. `ait`, `vit`, `aft`. */
  readonly family: string;
  /** Where the architecture comes from (paper, reference code). */
  readonly source: string;
  /** The family's config schema; overrides are merged into a preset's defaults and validated with it. */
  readonly schema: Schema;
  /** Builds an unbuilt model from a validated config. */
  create(config: z.output<Schema>): VisionModel;
  /** The presets by registry name (lower-case words joined by dashes). */
  readonly presets: Readonly<Record<string, FamilyPreset<Schema>>>;
}

/**
 * Registers every preset of a model family with {@link registerModel}: the one registration a
 * new family's `presets.ts` makes (and `src/index.ts` exports the family's folder). Throws if a
 * name is taken or malformed.
 */
export function registerFamily<Schema extends z.ZodType>(f: ModelFamily<Schema>): void {
  for (const [name, p] of Object.entries(f.presets)) {
    registerModel({
      name,
      family: f.family,
      description: p.description,
      source: f.source,
      scale: p.scale,
      schema: f.schema,
      defaults: p.defaults,
      ...(p.recipe ? { recipe: p.recipe } : {}),
      create: (config) => f.create(config),
    });
  }
}

/**
 * The presets of a family given as configs by scale (the form of the exported preset tables such
 * as `VIT_CPU_PRESETS`), with their descriptions and recipes by name (a preset without a
 * description is described by its name).
 */
export function familyPresets<Schema extends z.ZodType>(
  byScale: Readonly<Record<'paper' | 'cpu', Readonly<Record<string, z.input<Schema>>>>>,
  descriptions: Readonly<Record<string, string>>,
  recipes: Readonly<Record<string, PresetRecipe>> = {},
): Record<string, FamilyPreset<Schema>> {
  const out: Record<string, FamilyPreset<Schema>> = {};
  for (const scale of ['paper', 'cpu'] as const) {
    for (const [name, defaults] of Object.entries(byScale[scale])) {
      const recipe = recipes[name];
      out[name] = { scale, description: descriptions[name] ?? name, defaults, ...(recipe ? { recipe } : {}) };
    }
  }
  return out;
}

/**
 * The sizes of the CPU-size transformers, shared by the ViT and AiT presets of the same name (so
 * that the two compare at equal size): `tiny` for 16x16 images (D 96, 2 blocks, 3 heads of 32,
 * MLP 384), `mini` (D 128, 4 blocks, 4 heads of 32, MLP 512).
 */
export const CPU_TRANSFORMER_SIZES = {
  tiny: { imageSize: 16, dim: 96, depth: 2, numHeads: 3, headDim: 32, mlpDim: 384 },
  mini: { dim: 128, depth: 4, numHeads: 4, headDim: 32, mlpDim: 512 },
} as const;

/**
 * What `ait-tiny-conv` and its baseline `vit-tiny-conv` share: 64x64 grey images (Triangle), two
 * classes, the convolutional stem (8 then 16 channels), 2x2 patches of its maps, sine-cosine
 * positions and a 2-block trunk of width 64 with 4 heads of 16. Only the layer after attention differs.
 */
export const CONV_TINY_TRUNK = {
  imageSize: 64,
  channels: 1,
  classes: 2,
  convStem: [8, 16],
  patchSize: 2,
  dim: 64,
  depth: 2,
  numHeads: 4,
  headDim: 16,
  positionEmbedding: 'sincos',
} as const;

/**
 * The input and classes the presets share by size: `tiny` (CPU presets for tests: 16x16 RGB images,
 * 10 classes), `mini` (CPU presets for demos: 32x32 RGB, CIFAR-10) and `imagenet` (paper presets:
 * 224x224 RGB, 1000 classes).
 */
export const PRESET_INPUTS = {
  tiny: { classes: 10, imageSize: 16, channels: 3 },
  mini: { classes: 10, imageSize: 32, channels: 3 },
  imagenet: { classes: 1000, imageSize: 224, channels: 3 },
} as const;
