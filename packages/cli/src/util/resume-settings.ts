import { resolve } from 'node:path';
import { describeAugment, parseAugment } from './augment-option';
import { CliError } from './cli-error';
import { planDataset, type DatasetPlan } from './dataset-choice';
import type { RunConfig, SettingChange } from './run-config';
import { flagsWithRole, trainOptionsWithRole, type TrainOptionKeysWhere } from './train-option-table';
import type { TrainingRecipe } from './training-recipe';

/** A setting given on the command line or in a config file, and where it came from (`--lr`, `key "lr" of train.yaml`). */
export interface GivenSetting {
  readonly value: unknown;
  readonly source: string;
}

/** Settings given to `ait train`, by config-file key (camelCase). */
export type GivenSettings = Readonly<Partial<Record<string, GivenSetting>>>;

/**
 * Settings `ait train --resume` may change: the optimisation settings whose change does not make
 * the checkpoint's state meaningless (the epochs, and with them the schedule's length; the peak
 * learning rate; gradient clipping; the warm-up; the weight decay; how often to checkpoint). The
 * options marked `may-change` in `TRAIN_OPTIONS`.
 */
export const RESUME_CHANGEABLE: readonly TrainOptionKeysWhere<'onResume', 'may-change'>[] = trainOptionsWithRole('may-change');

/** Settings that define what a run is (`must-match` in `TRAIN_OPTIONS`); `ait train --resume` refuses other values. */
const RESUME_FIXED = trainOptionsWithRole('must-match');

/** The run a resume continues: the stored run with the changed settings, and the changes. */
export interface ResumedSettings {
  readonly run: RunConfig;
  /** Each changed setting, before and after (empty when nothing changed). */
  readonly changes: Readonly<Record<string, SettingChange>>;
}

function splitSize(plan: DatasetPlan, split: 'train' | 'test'): number | undefined {
  const spec = (split === 'train' ? plan.train : plan.test) as { size?: number; images?: number };
  return (split === 'train' ? plan.trainLimit : plan.testLimit) ?? spec.size ?? spec.images;
}

function storedValue(run: RunConfig, key: (typeof RESUME_FIXED)[number], dir: string): unknown {
  switch (key) {
    case 'model':
      return run.model;
    case 'dataset':
      return run.dataset.choice;
    case 'trainSize':
      return splitSize(run.dataset, 'train');
    case 'testSize':
      return splitSize(run.dataset, 'test');
    case 'batchSize':
      return run.recipe.batchSize;
    case 'seed':
      return run.seed;
    case 'labelSmoothing':
      return run.recipe.labelSmoothing;
    case 'out':
      return dir;
    case 'modelConfig':
      return run.modelConfig;
    case 'recipe':
      return run.recipeName ?? 'preset';
    case 'augment':
      return describeAugment(run.recipe.augment);
    case 'cropPadding':
      return run.recipe.augment?.cropPadding ?? 0;
  }
  // a new must-match option of TRAIN_OPTIONS needs its case above
  const unhandled: never = key;
  throw new Error(`resumeSettings: no stored value for ${String(unhandled)}.`);
}

/**
 * Checks the settings given with `--resume` against the run's (`run.json`) and applies the ones
 * that may change ({@link RESUME_CHANGEABLE}). A setting that defines the run (model, data set and
 * sizes, batch size, seed, label smoothing, model config, output folder, `--recipe`, augmentation) may be repeated with the
 * run's own value, e.g. from the config file the run was started with; another value is a usage
 * error (exit 2) naming each offending flag or key, the run's value and what to do.
 */
export function resumeSettings(stored: RunConfig, given: GivenSettings, dir: string): ResumedSettings {
  const clashes: string[] = [];
  for (const key of RESUME_FIXED) {
    const setting = given[key];
    if (setting === undefined) continue;
    const have = storedValue(stored, key, dir);
    if (key === 'modelConfig') {
      const wanted = setting.value as Record<string, unknown>;
      for (const [k, v] of Object.entries(wanted)) {
        const old = (have as Record<string, unknown>)[k];
        if (JSON.stringify(v) !== JSON.stringify(old)) {
          clashes.push(
            `${setting.source.replace('"modelConfig"', `"modelConfig.${k}"`)} is ${JSON.stringify(v)} (the run has ${JSON.stringify(old) ?? 'none'})`,
          );
        }
      }
      continue;
    }
    let wanted = setting.value;
    if (key === 'out') wanted = resolve(String(wanted));
    if (key === 'dataset') wanted = planDataset(String(wanted)).choice;
    if (key === 'augment') {
      const padding = given.cropPadding?.value as number | undefined;
      wanted = describeAugment(parseAugment(wanted as string | string[], padding, setting.source));
    }
    if (wanted !== have) clashes.push(`${setting.source} is ${JSON.stringify(setting.value)} (the run has ${JSON.stringify(have)})`);
  }
  if (clashes.length > 0) {
    throw new CliError(
      `--resume continues ${dir} with the model, data, batch size, seed, label smoothing, recipe and augmentation it was started with, but ${clashes.join(', ')}. ` +
        `Remove those settings, or start a new run with another --out. With --resume you may change ${flagsWithRole('may-change')}, ` +
        `and choose ${flagsWithRole('per-invocation')}.`,
      2,
    );
  }
  const changes: Record<string, SettingChange> = {};
  const recipe: { -readonly [K in keyof TrainingRecipe]: TrainingRecipe[K] } = { ...stored.recipe };
  let checkpointEvery = stored.checkpointEvery;
  for (const key of RESUME_CHANGEABLE) {
    const setting = given[key];
    if (setting === undefined) continue;
    const to = setting.value as number;
    const from = key === 'checkpointEvery' ? stored.checkpointEvery : stored.recipe[key];
    if (to === from) continue;
    changes[key] = { from, to };
    if (key === 'checkpointEvery') checkpointEvery = to;
    else recipe[key] = to;
  }
  return { run: { ...stored, recipe, checkpointEvery }, changes };
}
