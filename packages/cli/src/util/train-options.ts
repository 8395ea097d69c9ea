import { z, type BackendChoice } from '@ait/core';
import { AUGMENT_NAMES } from './augment-option';
import type { GivenSetting, GivenSettings } from './resume-settings';
import { RECIPE_NAMES, type RecipeName } from './training-recipe';

/** Options of `ait train` (flags and config file keys; flags win). */
export interface TrainCommandOptions {
  model?: string;
  dataset?: string;
  /** `preset` (default: the model preset's recipe) or `paper` (the AiT paper's set-up); flags and keys override its values. */
  recipe?: RecipeName;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  warmupEpochs?: number;
  labelSmoothing?: number;
  clipNorm?: number;
  /** Training augmentation: `crop`, `flip`, both (`crop,flip`), or `none`. */
  augment?: string | string[];
  /** Zero padding of the random crop (default 4); needs `crop` in `augment`. */
  cropPadding?: number;
  seed?: number;
  backend?: BackendChoice;
  /** wasm threads for matrix products, 1-8 (default: every core, at most 8). */
  threads?: number;
  out?: string;
  config?: string;
  resume?: string;
  trainSize?: number;
  testSize?: number;
  checkpointEvery?: number;
  maxSteps?: number;
  modelConfig?: Record<string, unknown>;
  quiet?: boolean;
  json?: boolean;
}

/** Schema of a `--config` file (JSON or YAML): the flags' long names in camelCase, plus `modelConfig`. */
export const trainConfigFileSchema = z.strictObject({
  model: z.string('must be a model name (see `ait models`)').optional(),
  dataset: z.string('must be a data set name or folder').optional(),
  recipe: z.enum(RECIPE_NAMES, `must be one of ${RECIPE_NAMES.join(', ')}`).optional(),
  epochs: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').optional(),
  batchSize: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').optional(),
  lr: z.number('must be a number').positive('must be > 0').optional(),
  weightDecay: z.number('must be a number').min(0, 'must be >= 0').optional(),
  warmupEpochs: z.number('must be a number').min(0, 'must be >= 0').optional(),
  labelSmoothing: z.number('must be a number').min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').optional(),
  clipNorm: z.number('must be a number').min(0, 'must be >= 0 (0 switches clipping off)').optional(),
  augment: z
    .union([z.string(), z.array(z.enum(AUGMENT_NAMES))], `must be a comma-separated string or a list of ${AUGMENT_NAMES.join(', ')}`)
    .optional(),
  cropPadding: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').optional(),
  seed: z.number('must be a number').int('must be an integer').optional(),
  backend: z
    .enum(
      ['auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'],
      'must be one of auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu',
    )
    .optional(),
  threads: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').max(8, 'must be <= 8').optional(),
  out: z.string('must be a folder path').optional(),
  trainSize: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').optional(),
  testSize: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').optional(),
  checkpointEvery: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').optional(),
  modelConfig: z.record(z.string(), z.unknown(), 'must be a mapping of model config keys to values').optional(),
});

/** The settings of a `--config` file. */
export type FileSettings = z.output<typeof trainConfigFileSchema>;

/** `--batch-size` for `batchSize`: a config key's flag. */
export const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** The settings given by flags (first) and the config file, each with where it came from. */
export function givenSettings(options: TrainCommandOptions, file: FileSettings, filePath: string | undefined): GivenSettings {
  const given: Record<string, GivenSetting> = {};
  for (const key of Object.keys(trainConfigFileSchema.shape) as (keyof FileSettings)[]) {
    const flag = options[key];
    if (flag !== undefined) given[key] = { value: flag, source: key === 'modelConfig' ? 'modelConfig' : flagName(key) };
    else if (file[key] !== undefined) given[key] = { value: file[key], source: `key "${key}" of ${filePath ?? 'the config file'}` };
  }
  return given;
}
