import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z, type BackendChoice } from '@ait/core';
import { CliError } from './cli-error';
import type { DatasetPlan } from './dataset-choice';
import { RECIPE_NAMES, type RecipeName, type TrainingRecipe } from './training-recipe';

/** File names inside a run directory. */
export const RUN_FILES = {
  config: 'run.json',
  checkpoints: 'checkpoints',
  metrics: 'metrics.jsonl',
  /** The epoch records of `metrics.jsonl` as a table, one row per epoch (rewritten every epoch). */
  metricsCsv: 'metrics.csv',
  /** The checkpoint of the epoch with the best test accuracy, in the `checkpoints/` folder. */
  bestCheckpoint: 'best.ckpt',
  summary: 'summary.json',
  lossCurve: 'loss.svg',
  accuracyCurve: 'accuracy.svg',
  /** Held by the `ait train` process that trains the run (see `acquireRunLock`). */
  lock: 'train.lock',
} as const;

/** A recipe setting `ait train --resume` may change, with its value before and after. */
export interface SettingChange {
  readonly from: number | null;
  readonly to: number | null;
}

/** Settings changed when a run was resumed, and from where they apply. */
export interface RunSettingsChange {
  /** Optimiser steps done when the change took effect (the position resumed from). */
  readonly step: number;
  /** 0-based epoch in progress then. */
  readonly epoch: number;
  /** ISO-8601 time of the resume. */
  readonly time: string;
  /** The checkpoint resumed from. */
  readonly checkpoint: string;
  /** Each changed setting (recipe keys and `checkpointEvery`). */
  readonly changes: Readonly<Record<string, SettingChange>>;
}

/**
 * Everything needed to rebuild a run's model and data: written to `run.json` and stored as the
 * `config` of every checkpoint, so `ait eval` and `ait inspect` work from a checkpoint alone.
 */
export interface RunConfig {
  readonly format: 'ait-cli/run';
  readonly version: 1;
  /** Registered preset name. */
  readonly model: string;
  /** Overrides merged into the preset (data shape plus the config file's `modelConfig`). */
  readonly modelConfig: Record<string, unknown>;
  /** The data set choice and its splits. */
  readonly dataset: DatasetPlan;
  readonly recipe: TrainingRecipe;
  /** The recipe the run started from (`--recipe`); absent in runs of earlier versions: `preset`. */
  readonly recipeName?: RecipeName;
  /** Seed of initialisation, dropout and data order. */
  readonly seed: number;
  /** Steps between mid-epoch checkpoints, or null for end-of-epoch checkpoints only. */
  readonly checkpointEvery: number | null;
  /**
   * The backend the run started on (absent in runs of earlier versions): `ait train --resume`
   * without `--backend` continues on it, so that the resumed run computes the same bits.
   */
  readonly backend?: Exclude<BackendChoice, 'auto'>;
  /** Settings changed by `ait train --resume`, oldest first (absent when none were). */
  readonly changes?: readonly RunSettingsChange[];
}

const runConfigSchema = z.object({
  format: z.literal('ait-cli/run'),
  version: z.literal(1),
  model: z.string(),
  modelConfig: z.record(z.string(), z.unknown()),
  dataset: z
    .object({ choice: z.string(), train: z.object({ name: z.string() }).loose(), test: z.object({ name: z.string() }).loose() })
    .loose(),
  recipe: z.object({
    epochs: z.number(),
    batchSize: z.number(),
    lr: z.number(),
    weightDecay: z.number(),
    warmupEpochs: z.number(),
    // in the order \`ait train\` writes them: zod's output follows this order, and the config goes into
    // every checkpoint, which is then bit-identical whether or not the run was resumed
    warmupStartLr: z.number().optional(),
    labelSmoothing: z.number(),
    clipNorm: z.number(),
    augment: z.object({ cropPadding: z.number().int().min(0), horizontalFlip: z.boolean() }).optional(),
  }),
  recipeName: z.enum(RECIPE_NAMES).optional(),
  seed: z.number(),
  checkpointEvery: z.number().nullable(),
  backend: z.enum(['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'webgl', 'cpu']).optional(),
  changes: z
    .array(
      z.object({
        step: z.number(),
        epoch: z.number(),
        time: z.string(),
        checkpoint: z.string(),
        changes: z.record(z.string(), z.object({ from: z.number().nullable(), to: z.number().nullable() })),
      }),
    )
    .optional(),
});

/** Checks that a value (from `run.json` or a checkpoint's config) is a {@link RunConfig}. */
export function parseRunConfig(value: unknown, where: string): RunConfig {
  const parsed = runConfigSchema.safeParse(value);
  if (!parsed.success) {
    throw new CliError(
      `${where} does not hold an \`ait train\` run configuration (${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`)
        .join('; ')}); was it written by \`ait train\`?`,
    );
  }
  return parsed.data as unknown as RunConfig;
}

/** Reads `run.json` of a run directory. */
export async function readRunConfig(dir: string): Promise<RunConfig> {
  const path = join(dir, RUN_FILES.config);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(`${dir} is not an \`ait train\` run directory: ${path} is missing. Give the --out folder of a run.`, 2);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is corrupt (not JSON); the run cannot be resumed from it.`);
  }
  return parseRunConfig(value, path);
}

/** Writes a JSON file atomically (temporary file, then rename). */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
  await rename(temp, path);
}
