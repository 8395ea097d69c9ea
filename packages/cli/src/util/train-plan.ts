import { join, resolve } from 'node:path';
import { latestCheckpoint, type BackendChoice } from '@ait/core';
import { checkAugmentForData, parseAugment } from './augment-option';
import { CliError } from './cli-error';
import { readConfigFile } from './config-file';
import { datasetKind, planDataset } from './dataset-choice';
import { findPreset } from './model-for-data';
import { resumeSettings } from './resume-settings';
import { resumeTarget } from './resume-target';
import { readRunConfig, RUN_FILES, type RunConfig, type SettingChange } from './run-config';
import { DEFAULT_DATASET, DEFAULT_MODEL } from './train-option-table';
import { givenSettings, trainConfigFileSchema, type FileSettings, type TrainCommandOptions } from './train-options';
import { namedRecipe, type RecipeName, type TrainingRecipe } from './training-recipe';

export { DEFAULT_DATASET, DEFAULT_MODEL } from './train-option-table';

/** Everything `ait train` decided before touching the disk. */
export interface RunPlan {
  readonly run: RunConfig;
  readonly dir: string;
  /** How the user named the run directory, for messages (`--out`, `--resume`, ...). */
  readonly dirSource: string;
  readonly backend: BackendChoice;
  readonly threads: number | undefined;
  /** Where the learning rate came from, for the warning (`--lr`, a config key, run.json). */
  readonly lrSource: string;
  /** The learning rate of the recipe the run started from (`--recipe`), for the warnings. */
  readonly recipeLr: number;
  /** Set when continuing a run. */
  readonly resume?: {
    /** The checkpoint file given to `--resume`, if one was. */
    readonly checkpoint: string | undefined;
    /** Settings changed on this resume. */
    readonly changes: Readonly<Record<string, SettingChange>>;
  };
}

function defaultOutDir(model: string, dataset: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const data = dataset.replace(/[^a-z0-9-]+/gi, '_').slice(-40);
  return resolve('runs', `${model}-${data}-${stamp}`);
}

/** The message for a run directory that already holds a run. */
export function runExistsError(dir: string): CliError {
  return new CliError(`${dir} already holds a run; continue it with \`ait train --resume ${dir}\`, or choose another --out.`, 2);
}

/**
 * Resolves the flags and the config file of `ait train` into a run: for a new run the preset,
 * the data plan and the recipe (`--recipe`'s base recipe with the given settings over it, its
 * augmentation checked against what the data set's labels mean); for `--resume` the stored run
 * with the settings that may change.
 */
export async function resolveRun(options: TrainCommandOptions): Promise<RunPlan> {
  const file: FileSettings = options.config !== undefined ? await readConfigFile(options.config, trainConfigFileSchema) : {};
  const given = givenSettings(options, file, options.config);
  const pick = <T>(key: keyof FileSettings): T | undefined => given[key]?.value as T | undefined;
  const backend = pick<BackendChoice>('backend') ?? 'auto';
  const threads = pick<number>('threads');
  if (options.resume !== undefined) {
    const target = resumeTarget(options.resume);
    const stored = await readRunConfig(target.dir);
    const { run, changes } = resumeSettings(stored, given, target.dir);
    return {
      run,
      dir: target.dir,
      dirSource: '--resume',
      // the backend the run started on, unless --backend says otherwise (the same bits as before)
      backend: pick<BackendChoice>('backend') ?? stored.backend ?? 'auto',
      threads,
      lrSource: given.lr?.source ?? `the learning rate in ${join(target.dir, RUN_FILES.config)}`,
      recipeLr: namedRecipe(stored.recipeName ?? 'preset', findPreset(stored.model), datasetKind(stored.dataset)).lr,
      resume: { checkpoint: target.checkpoint, changes },
    };
  }
  const modelName = pick<string>('model') ?? DEFAULT_MODEL;
  const preset = findPreset(modelName);
  const datasetChoice = pick<string>('dataset') ?? DEFAULT_DATASET;
  const plan = planDataset(datasetChoice, { trainSize: pick<number>('trainSize'), testSize: pick<number>('testSize') });
  const recipeName = pick<RecipeName>('recipe') ?? 'preset';
  const kind = datasetKind(plan);
  const base = namedRecipe(recipeName, preset, kind);
  const augmentValue = pick<string | string[]>('augment');
  const cropPadding = pick<number>('cropPadding');
  if (augmentValue === undefined && cropPadding !== undefined) {
    throw new CliError(
      `${given.cropPadding?.source} ${cropPadding} needs crop in --augment (e.g. --augment crop --crop-padding ${cropPadding}).`,
      2,
    );
  }
  const augment = augmentValue !== undefined ? parseAugment(augmentValue, cropPadding, given.augment?.source ?? '--augment') : base.augment;
  if (augment !== undefined) checkAugmentForData(augment, kind);
  const recipe: TrainingRecipe = {
    epochs: pick<number>('epochs') ?? base.epochs,
    batchSize: pick<number>('batchSize') ?? base.batchSize,
    lr: pick<number>('lr') ?? base.lr,
    weightDecay: pick<number>('weightDecay') ?? base.weightDecay,
    warmupEpochs: pick<number>('warmupEpochs') ?? base.warmupEpochs,
    warmupStartLr: base.warmupStartLr ?? 0,
    labelSmoothing: pick<number>('labelSmoothing') ?? base.labelSmoothing,
    clipNorm: pick<number>('clipNorm') ?? base.clipNorm,
    ...(augment !== undefined ? { augment } : {}),
  };
  const out = given.out;
  const dir = out !== undefined ? resolve(String(out.value)) : defaultOutDir(modelName, plan.choice);
  const existing = await latestCheckpoint(join(dir, RUN_FILES.checkpoints)).catch(() => undefined);
  if (existing) throw runExistsError(dir);
  const run: RunConfig = {
    format: 'ait-cli/run',
    version: 1,
    model: modelName,
    modelConfig: { ...pick<Record<string, unknown>>('modelConfig') },
    dataset: plan,
    recipe,
    recipeName,
    seed: pick<number>('seed') ?? 0,
    checkpointEvery: pick<number>('checkpointEvery') ?? null,
  };
  return {
    run,
    dir,
    dirSource: out === undefined ? 'The default run directory' : out.source,
    backend,
    threads,
    lrSource: given.lr?.source ?? 'the learning rate',
    recipeLr: base.lr,
  };
}
