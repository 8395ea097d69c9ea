import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  AdamW,
  cosineSchedule,
  countParameters,
  initBackend,
  latestCheckpoint,
  LossExplosionError,
  NonFiniteLossError,
  DeviceFailureError,
  setGlobalSeed,
  Trainer,
  z,
  type BackendChoice,
  type FitResult,
  type ParameterCount,
} from '@ait/core';
import { datasetBatchSource } from '@ait/datasets';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { readConfigFile } from '../util/config-file';
import { writeCurves } from '../util/curves';
import { openSplit, planDataset } from '../util/dataset-choice';
import { divergenceMessage } from '../util/divergence-message';
import { readRecords, writeEpochRecord, writeSettingsRecord, type EpochRecord } from '../util/metrics-log';
import { buildForData, createPreset, findPreset, fitPresetToData } from '../util/model-for-data';
import { formatDuration, percent, printJson } from '../util/output';
import { createProgressReporter } from '../util/progress-reporter';
import { resumeTrainer } from '../util/resume-checkpoint';
import { resumeSettings, type GivenSetting, type GivenSettings } from '../util/resume-settings';
import { resumeTarget } from '../util/resume-target';
import { readRunConfig, RUN_FILES, writeJsonAtomic, type RunConfig, type RunSettingsChange, type SettingChange } from '../util/run-config';
import { prepareRunDirectory, removeIfEmpty } from '../util/run-directory';
import { acquireRunLock, type RunLock } from '../util/run-lock';
import { chanceLevelWarning, learningRateWarning } from '../util/run-warnings';
import { setAsideLaterCheckpoints } from '../util/set-aside';
import { checkStepMemory, outOfMemoryError } from '../util/step-memory-check';
import { recipeFor, type TrainingRecipe } from '../util/training-recipe';

/** The AiT CPU preset `ait train` uses without `--model`. */
export const DEFAULT_MODEL = 'ait-tiny-conv';
/** The data set `ait train` uses without `--dataset`. */
export const DEFAULT_DATASET = 'triangle';
/** Backends `--backend` accepts. */
export const BACKENDS: readonly BackendChoice[] = ['auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'];

/** Options of `ait train` (flags and config file keys; flags win). */
export interface TrainCommandOptions {
  model?: string;
  dataset?: string;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  weightDecay?: number;
  warmupEpochs?: number;
  labelSmoothing?: number;
  clipNorm?: number;
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
  epochs: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').optional(),
  batchSize: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').optional(),
  lr: z.number('must be a number').positive('must be > 0').optional(),
  weightDecay: z.number('must be a number').min(0, 'must be >= 0').optional(),
  warmupEpochs: z.number('must be a number').min(0, 'must be >= 0').optional(),
  labelSmoothing: z.number('must be a number').min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').optional(),
  clipNorm: z.number('must be a number').min(0, 'must be >= 0 (0 switches clipping off)').optional(),
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

/** What `ait train` reports at the end (also its `--json` output). */
export interface TrainSummary {
  readonly command: 'train';
  /** `completed`, `stopped` (Ctrl-C), or `max-steps`. */
  readonly status: 'completed' | 'stopped' | 'max-steps';
  readonly runDir: string;
  readonly model: string;
  readonly dataset: string;
  readonly backend: string;
  readonly parameters: ParameterCount;
  /** Epochs completed in total. */
  readonly epochs: number;
  /** Optimiser steps done in total. */
  readonly steps: number;
  /** Best test accuracy over all epochs of the run, and its 1-based epoch. */
  readonly bestAccuracy: number | null;
  readonly bestEpoch: number | null;
  /** Test accuracy and loss after the last completed epoch. */
  readonly finalAccuracy: number | null;
  readonly finalLoss: number | null;
  /** Wall-clock seconds of this process's training (after setup). */
  readonly seconds: number;
  /** Training images per second in this process (evaluation excluded). */
  readonly imagesPerSecond: number;
  /** The newest checkpoint. */
  readonly lastCheckpoint: string | null;
  /**
   * Warnings of this process, also printed on stderr: a learning rate far outside the preset's
   * recipe, a final test accuracy at chance level, checkpoints passed over or set aside on resume,
   * a stale lock taken over.
   */
  readonly warnings: readonly string[];
}

function defaultOutDir(model: string, dataset: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const data = dataset.replace(/[^a-z0-9-]+/gi, '_').slice(-40);
  return resolve('runs', `${model}-${data}-${stamp}`);
}

const kebab = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Everything `ait train` decided before touching the disk. */
interface RunPlan {
  readonly run: RunConfig;
  readonly dir: string;
  /** How the user named the run directory, for messages (`--out`, `--resume`, ...). */
  readonly dirSource: string;
  readonly backend: BackendChoice;
  readonly threads: number | undefined;
  /** Where the learning rate came from, for the warning (`--lr`, a config key, run.json). */
  readonly lrSource: string;
  /** Set when continuing a run. */
  readonly resume?: {
    /** The checkpoint file given to `--resume`, if one was. */
    readonly checkpoint: string | undefined;
    /** Settings changed on this resume. */
    readonly changes: Readonly<Record<string, SettingChange>>;
  };
}

type FileSettings = z.output<typeof trainConfigFileSchema>;

/** The settings given by flags (first) and the config file, each with where it came from. */
function givenSettings(options: TrainCommandOptions, file: FileSettings, filePath: string | undefined): GivenSettings {
  const given: Record<string, GivenSetting> = {};
  for (const key of Object.keys(trainConfigFileSchema.shape) as (keyof FileSettings)[]) {
    const flag = options[key];
    if (flag !== undefined) given[key] = { value: flag, source: key === 'modelConfig' ? 'modelConfig' : kebab(key) };
    else if (file[key] !== undefined) given[key] = { value: file[key], source: `key "${key}" of ${filePath ?? 'the config file'}` };
  }
  return given;
}

async function resolveRun(options: TrainCommandOptions): Promise<RunPlan> {
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
      backend,
      threads,
      lrSource: given.lr?.source ?? `the learning rate in ${join(target.dir, RUN_FILES.config)}`,
      resume: { checkpoint: target.checkpoint, changes },
    };
  }
  const modelName = pick<string>('model') ?? DEFAULT_MODEL;
  const preset = findPreset(modelName);
  const datasetChoice = pick<string>('dataset') ?? DEFAULT_DATASET;
  const plan = planDataset(datasetChoice, { trainSize: pick<number>('trainSize'), testSize: pick<number>('testSize') });
  const base = recipeFor(preset);
  const recipe: TrainingRecipe = {
    epochs: pick<number>('epochs') ?? base.epochs,
    batchSize: pick<number>('batchSize') ?? base.batchSize,
    lr: pick<number>('lr') ?? base.lr,
    weightDecay: pick<number>('weightDecay') ?? base.weightDecay,
    warmupEpochs: pick<number>('warmupEpochs') ?? base.warmupEpochs,
    labelSmoothing: pick<number>('labelSmoothing') ?? base.labelSmoothing,
    clipNorm: pick<number>('clipNorm') ?? base.clipNorm,
  };
  const out = given.out;
  const dir = out !== undefined ? resolve(String(out.value)) : defaultOutDir(modelName, plan.choice);
  const existing = await latestCheckpoint(join(dir, RUN_FILES.checkpoints)).catch(() => undefined);
  if (existing) {
    throw new CliError(`${dir} already holds a run; continue it with \`ait train --resume ${dir}\`, or choose another --out.`, 2);
  }
  const run: RunConfig = {
    format: 'ait-cli/run',
    version: 1,
    model: modelName,
    modelConfig: { ...pick<Record<string, unknown>>('modelConfig') },
    dataset: plan,
    recipe,
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
  };
}

/**
 * `ait train`: trains a preset on a data set with the preset's recipe (or the flags / config
 * file), evaluating every epoch, saving checkpoints atomically at every epoch end (and every
 * `checkpointEvery` steps, and on Ctrl-C), writing `metrics.jsonl` (one line per epoch),
 * `loss.svg`, `accuracy.svg` and `summary.json` into the run directory, and printing a summary.
 *
 * The run directory is checked before any work (a file, a read-only or unwritable place exit 2
 * with what to do) and locked while training (`train.lock`: a second process exits 2 naming the
 * pid that holds it; the lock of a killed process is taken over). `resume` continues a run from
 * its newest checkpoint that verifies (damaged newer ones are passed over and set aside) or from
 * a given checkpoint file, with optionally changed optimisation settings (recorded in `run.json`
 * and `metrics.jsonl`). A diverging loss (NaN/Inf, or an explosion far above its running level)
 * stops the run naming the last good checkpoint and the command that continues from it. A
 * learning rate far outside the preset's recipe, and a final test accuracy at chance level, are
 * warned about (stderr and `summary.json`). Returns the exit code.
 */
export async function trainCommand(options: TrainCommandOptions, io: CliIo): Promise<number> {
  const plan = await resolveRun(options);
  const warnings: string[] = [];
  const warn = (text: string): void => {
    warnings.push(text);
    io.stderr(`warning: ${text}\n`);
  };
  const prepared = await prepareRunDirectory(plan.dir, plan.dirSource);
  let lock: RunLock | undefined;
  try {
    lock = await acquireRunLock(plan.dir);
    if (lock.takeover !== undefined) warn(lock.takeover);
    if (plan.resume === undefined && (await latestCheckpoint(join(plan.dir, RUN_FILES.checkpoints)))) {
      throw new CliError(
        `${plan.dir} already holds a run; continue it with \`ait train --resume ${plan.dir}\`, or choose another --out.`,
        2,
      );
    }
    return await trainLocked(plan, options, io, warn, warnings);
  } finally {
    await lock?.release();
    if (plan.resume === undefined) await removeIfEmpty(prepared);
  }
}

async function trainLocked(
  plan: RunPlan,
  options: TrainCommandOptions,
  io: CliIo,
  warn: (text: string) => void,
  warnings: string[],
): Promise<number> {
  const { run, dir, backend, threads } = plan;
  const resuming = plan.resume !== undefined;
  const recipeLr = recipeFor(findPreset(run.model)).lr;
  const lrWarning = learningRateWarning(run.recipe.lr, recipeLr, run.model, plan.lrSource);
  if (lrWarning !== undefined) warn(lrWarning);
  const info = await initBackend({ backend, ...(threads === undefined ? {} : { wasmThreads: threads }) });
  const log = (line: string): void => {
    if (!options.quiet) io.stderr(`${line}\n`);
  };
  setGlobalSeed(run.seed);
  const trainData = await openSplit(run.dataset, 'train');
  const testData = await openSplit(run.dataset, 'test');
  const preset = findPreset(run.model);
  const modelConfig = resuming ? run.modelConfig : { ...fitPresetToData(preset, trainData), ...run.modelConfig };
  let runConfig: RunConfig = { ...run, modelConfig };
  const model = createPreset(run.model, modelConfig);
  const ckptDir = join(dir, RUN_FILES.checkpoints);
  const metricsPath = join(dir, RUN_FILES.metrics);
  const r = run.recipe;
  let optimizer: AdamW | undefined;
  try {
    buildForData(model, trainData);
    // a batch too large for memory is refused now, with the size that fits, not by Aborted() mid-run
    await checkStepMemory(model, trainData, r.batchSize, info.tfjsBackend);
    const parameters = countParameters(model);
    const trainSource = datasetBatchSource(trainData, {
      batchSize: r.batchSize,
      shuffle: true,
      dropLast: (trainData.size ?? 0) > r.batchSize,
    });
    const testSource = datasetBatchSource(testData, { batchSize: Math.max(r.batchSize, 128), shuffle: false });
    const stepsPerEpoch = trainSource.numBatches?.() ?? 1;
    const totalSteps = Math.max(1, r.epochs * stepsPerEpoch);
    const warmupSteps = Math.min(totalSteps, Math.round(r.warmupEpochs * stepsPerEpoch));
    optimizer = new AdamW({ learningRate: r.lr, weightDecay: r.weightDecay });
    const progress = createProgressReporter(io, { quiet: options.quiet === true || options.json === true });
    let stepSeconds = 0;
    let images = 0;
    let epochImages = 0;
    let epochStepSeconds = 0;
    let mark = performance.now();
    let epochStart = performance.now();
    const trainer = new Trainer({
      model,
      optimizer,
      schedule: cosineSchedule({ peak: r.lr, totalSteps, warmupSteps, floor: r.lr * 0.01 }),
      ...(r.labelSmoothing > 0 ? { labelSmoothing: r.labelSmoothing } : {}),
      ...(r.clipNorm > 0 ? { clipNorm: r.clipNorm } : {}),
      seed: run.seed,
      config: runConfig,
      checkpoint: { dir: ckptDir, everyEpoch: true, keep: 3, ...(run.checkpointEvery !== null ? { everySteps: run.checkpointEvery } : {}) },
      callbacks: {
        onEpochBegin(epoch) {
          epochImages = 0;
          epochStepSeconds = 0;
          epochStart = performance.now();
          mark = epochStart;
          progress.epochBegin(epoch + 1, r.epochs, stepsPerEpoch, trainer.position.stepInEpoch);
        },
        onStepEnd(m) {
          const now = performance.now();
          const dt = (now - mark) / 1000;
          mark = now;
          stepSeconds += dt;
          epochStepSeconds += dt;
          images += m.examples;
          epochImages += m.examples;
          progress.step(m.stepInEpoch + 1, m.loss, epochImages / Math.max(1e-9, epochStepSeconds));
        },
        async onEpochEnd(epoch, logs) {
          const record: EpochRecord = {
            type: 'epoch',
            epoch: epoch + 1,
            step: trainer.position.step,
            loss: logs.loss,
            taskLoss: logs.taskLoss,
            auxLoss: logs.auxLoss,
            learningRate: logs.learningRate,
            testLoss: logs.eval?.loss ?? null,
            testAccuracy: logs.eval?.accuracy ?? null,
            imagesPerSecond: epochImages / Math.max(1e-9, epochStepSeconds),
            seconds: (performance.now() - epochStart) / 1000,
            time: new Date().toISOString(),
          };
          await writeEpochRecord(metricsPath, record);
          await writeCurves(dir, await readRecords(metricsPath));
          progress.epochEnd(
            `epoch ${record.epoch}/${r.epochs} loss ${record.loss.toFixed(4)} test loss ${record.testLoss?.toFixed(4) ?? '-'} ` +
              `test accuracy ${percent(record.testAccuracy)} ${record.imagesPerSecond.toFixed(1)} img/s ${formatDuration(record.seconds)}`,
          );
        },
      },
    });
    await mkdir(ckptDir, { recursive: true });
    if (plan.resume !== undefined) {
      const resumed = await resumeTrainer(trainer, ckptDir, dir, plan.resume.checkpoint);
      for (const s of resumed.skipped) warn(`Skipped checkpoint ${s.path}: ${s.reason}.`);
      const reasons = new Map(resumed.skipped.map((s) => [s.path, `damaged: ${s.reason}`] as const));
      const aside = await setAsideLaterCheckpoints(ckptDir, metricsPath, resumed.path, resumed.position, resumed.newer, reasons);
      if (aside !== undefined) {
        warn(
          `Moved ${aside.checkpoints.length} checkpoint(s) newer than the one resumed from (${aside.checkpoints.map((p) => basename(p)).join(', ')})` +
            `${aside.metricsLines > 0 ? ` and ${aside.metricsLines} line(s) of ${RUN_FILES.metrics} recorded after it` : ''} to ${aside.folder}; nothing was deleted.`,
        );
      }
      log(`Resuming ${dir} from ${resumed.path} (epoch ${resumed.position.epoch + 1}, step ${resumed.position.step}).`);
      const changes = plan.resume.changes;
      if (Object.keys(changes).length > 0) {
        const time = new Date().toISOString();
        const entry: RunSettingsChange = {
          step: resumed.position.step,
          epoch: resumed.position.epoch,
          time,
          checkpoint: resumed.path,
          changes,
        };
        runConfig = { ...runConfig, changes: [...(runConfig.changes ?? []), entry] };
        trainer.config = runConfig;
        await writeJsonAtomic(join(dir, RUN_FILES.config), runConfig);
        await writeSettingsRecord(metricsPath, { type: 'settings', step: entry.step, epoch: entry.epoch + 1, changes, time });
        log(
          `Changed from step ${entry.step} on: ${Object.entries(changes)
            .map(([k, c]) => `${k} ${c.from ?? 'none'} -> ${c.to ?? 'none'}`)
            .join(', ')} ` + `(recorded in ${RUN_FILES.config} and ${RUN_FILES.metrics}).`,
        );
      }
    } else {
      await writeJsonAtomic(join(dir, RUN_FILES.config), runConfig);
    }
    log(
      `Training ${run.model} (${parameters.total.toLocaleString('en-US')} parameters) on ${trainData.name} ` +
        `(${trainData.size ?? '?'} train, ${testData.size ?? '?'} test) for ${r.epochs} epochs, batch ${r.batchSize}, lr ${r.lr}` +
        `${r.clipNorm > 0 ? `, clip norm ${r.clipNorm}` : ''}; ${info.summary}; run directory ${dir}`,
    );
    let stops = 0;
    const onSigint = (): void => {
      stops += 1;
      if (stops > 1) process.exit(130);
      log('Stopping after this step and saving a checkpoint (press Ctrl-C again to quit at once)...');
      trainer.requestStop();
    };
    if (io.handleSignals !== false) process.on('SIGINT', onSigint);
    const started = performance.now();
    let result: FitResult;
    try {
      result = await trainer.fit(trainSource, {
        epochs: r.epochs,
        evalSource: testSource,
        ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}),
      });
    } catch (err) {
      if (err instanceof NonFiniteLossError || err instanceof LossExplosionError) {
        const lastGood = err instanceof LossExplosionError ? err.lastGoodCheckpoint : await trainer.lastGoodCheckpoint();
        const latest = await latestCheckpoint(ckptDir);
        throw new CliError(divergenceMessage(err, { dir, recipe: r, recipeLr, lastGood, latest }), 1, { cause: err });
      }
      if (err instanceof DeviceFailureError) {
        throw new CliError(`${err.message} Continue with \`ait train --resume ${dir}\`.`, 1, { cause: err });
      }
      const oom = outOfMemoryError(err, r.batchSize, dir);
      if (oom) throw oom;
      throw err;
    } finally {
      progress.stop();
      if (io.handleSignals !== false) process.off('SIGINT', onSigint);
    }
    const seconds = (performance.now() - started) / 1000;
    const records = await readRecords(metricsPath);
    const withAcc = records.filter((x) => x.testAccuracy !== null);
    const best = withAcc.reduce<EpochRecord | undefined>(
      (b, x) => (b === undefined || (x.testAccuracy ?? 0) > (b.testAccuracy ?? 0) ? x : b),
      undefined,
    );
    const final = records[records.length - 1];
    const status: TrainSummary['status'] = result.reason === 'stop-requested' ? 'stopped' : result.reason;
    if (status === 'completed') {
      const chance = chanceLevelWarning(final?.testAccuracy ?? null, testData.numClasses, testData.size, r.lr, run.model, recipeLr);
      if (chance !== undefined) warn(chance);
    }
    const summary: TrainSummary = {
      command: 'train',
      status,
      runDir: dir,
      model: run.model,
      dataset: run.dataset.choice,
      backend: info.backend,
      parameters,
      epochs: result.position.epoch,
      steps: result.position.step,
      bestAccuracy: best?.testAccuracy ?? null,
      bestEpoch: best?.epoch ?? null,
      finalAccuracy: final?.testAccuracy ?? null,
      finalLoss: final?.testLoss ?? null,
      seconds,
      imagesPerSecond: images / Math.max(1e-9, stepSeconds),
      lastCheckpoint: result.lastCheckpoint ?? null,
      warnings: [...warnings],
    };
    await writeJsonAtomic(join(dir, RUN_FILES.summary), summary);
    if (options.json) {
      printJson(io, summary);
    } else {
      io.stdout(
        [
          `Run ${summary.status}: ${summary.epochs} epochs, ${summary.steps} steps in ${formatDuration(seconds)}`,
          `  model            ${summary.model} (${parameters.total.toLocaleString('en-US')} parameters, ${parameters.trainable.toLocaleString('en-US')} trainable)`,
          `  data             ${summary.dataset}`,
          `  backend          ${summary.backend}`,
          `  best accuracy    ${percent(summary.bestAccuracy)}${summary.bestEpoch !== null ? ` (epoch ${summary.bestEpoch})` : ''}`,
          `  final accuracy   ${percent(summary.finalAccuracy)}`,
          `  speed            ${summary.imagesPerSecond.toFixed(1)} images/s`,
          `  run directory    ${dir}`,
          `  last checkpoint  ${summary.lastCheckpoint ?? '-'}`,
          ...(summary.warnings.length > 0 ? [`  warnings         ${summary.warnings.length} (see above and summary.json)`] : []),
          ...(summary.status === 'stopped' ? [`Continue with: ait train --resume ${dir}`] : []),
          '',
        ].join('\n'),
      );
    }
    return summary.status === 'stopped' ? 130 : 0;
  } finally {
    optimizer?.dispose();
    model.dispose();
  }
}
