import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  AdamW,
  cosineSchedule,
  countParameters,
  initBackend,
  latestCheckpoint,
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
import { appendRecord, readRecords, type EpochRecord } from '../util/metrics-log';
import { buildForData, createPreset, findPreset, fitPresetToData } from '../util/model-for-data';
import { formatDuration, percent, printJson } from '../util/output';
import { createProgressReporter } from '../util/progress-reporter';
import { readRunConfig, RUN_FILES, writeJsonAtomic, type RunConfig } from '../util/run-config';
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
    .enum(['auto', 'tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'], 'must be one of auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu')
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
}

function defaultOutDir(model: string, dataset: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const data = dataset.replace(/[^a-z0-9-]+/gi, '_').slice(-40);
  return resolve('runs', `${model}-${data}-${stamp}`);
}

const RESUME_FIXED: (keyof TrainCommandOptions)[] = [
  'model',
  'dataset',
  'batchSize',
  'lr',
  'weightDecay',
  'warmupEpochs',
  'labelSmoothing',
  'clipNorm',
  'seed',
  'trainSize',
  'testSize',
  'checkpointEvery',
  'config',
  'out',
];

async function resolveRun(
  options: TrainCommandOptions,
): Promise<{ run: RunConfig; dir: string; backend: BackendChoice; threads: number | undefined; resuming: boolean }> {
  if (options.resume !== undefined) {
    const clash = RESUME_FIXED.filter((k) => options[k] !== undefined);
    if (clash.length > 0) {
      throw new CliError(
        `--resume continues a run with its own settings; remove ${clash.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} ` +
          '(only --epochs, --backend, --threads and --max-steps may be given with --resume).',
        2,
      );
    }
    const dir = resolve(options.resume);
    const stored = await readRunConfig(dir);
    const run: RunConfig = options.epochs !== undefined ? { ...stored, recipe: { ...stored.recipe, epochs: options.epochs } } : stored;
    return { run, dir, backend: options.backend ?? 'auto', threads: options.threads, resuming: true };
  }
  const file = options.config !== undefined ? await readConfigFile(options.config, trainConfigFileSchema) : {};
  const pick = <K extends keyof typeof file & keyof TrainCommandOptions>(k: K): TrainCommandOptions[K] | (typeof file)[K] =>
    options[k] !== undefined ? options[k] : file[k];
  const modelName = (pick('model') as string | undefined) ?? DEFAULT_MODEL;
  const preset = findPreset(modelName);
  const datasetChoice = (pick('dataset') as string | undefined) ?? DEFAULT_DATASET;
  const trainSize = pick('trainSize') as number | undefined;
  const testSize = pick('testSize') as number | undefined;
  const plan = planDataset(datasetChoice, { trainSize, testSize });
  const base = recipeFor(preset);
  const recipe: TrainingRecipe = {
    epochs: (pick('epochs') as number | undefined) ?? base.epochs,
    batchSize: (pick('batchSize') as number | undefined) ?? base.batchSize,
    lr: (pick('lr') as number | undefined) ?? base.lr,
    weightDecay: (pick('weightDecay') as number | undefined) ?? base.weightDecay,
    warmupEpochs: (pick('warmupEpochs') as number | undefined) ?? base.warmupEpochs,
    labelSmoothing: (pick('labelSmoothing') as number | undefined) ?? base.labelSmoothing,
    clipNorm: (pick('clipNorm') as number | undefined) ?? base.clipNorm,
  };
  const out = pick('out') as string | undefined;
  const dir = out !== undefined ? resolve(out) : defaultOutDir(modelName, plan.choice);
  const existing = await latestCheckpoint(join(dir, RUN_FILES.checkpoints));
  if (existing) {
    throw new CliError(`${dir} already holds a run; continue it with \`ait train --resume ${dir}\`, or choose another --out.`, 2);
  }
  const run: RunConfig = {
    format: 'ait-cli/run',
    version: 1,
    model: modelName,
    modelConfig: { ...((options.modelConfig ?? file.modelConfig) as Record<string, unknown> | undefined) },
    dataset: plan,
    recipe,
    seed: (pick('seed') as number | undefined) ?? 0,
    checkpointEvery: (pick('checkpointEvery') as number | undefined) ?? null,
  };
  return {
    run,
    dir,
    backend: (pick('backend') as BackendChoice | undefined) ?? 'auto',
    threads: pick('threads') as number | undefined,
    resuming: false,
  };
}

/**
 * `ait train`: trains a preset on a data set with the preset's recipe (or the flags / config
 * file), evaluating every epoch, saving checkpoints atomically at every epoch end (and every
 * `checkpointEvery` steps, and on Ctrl-C), writing `metrics.jsonl`, `loss.svg`, `accuracy.svg`
 * and `summary.json` into the run directory, and printing a summary. `resume` continues an
 * interrupted run from its newest checkpoint exactly where it stopped. Returns the exit code.
 */
export async function trainCommand(options: TrainCommandOptions, io: CliIo): Promise<number> {
  const { run, dir, backend, threads, resuming } = await resolveRun(options);
  const info = await initBackend({ backend, ...(threads === undefined ? {} : { wasmThreads: threads }) });
  const log = (line: string): void => {
    if (!options.quiet) io.stderr(`${line}\n`);
  };
  setGlobalSeed(run.seed);
  const trainData = await openSplit(run.dataset, 'train');
  const testData = await openSplit(run.dataset, 'test');
  const preset = findPreset(run.model);
  const modelConfig = resuming ? run.modelConfig : { ...fitPresetToData(preset, trainData), ...run.modelConfig };
  const runConfig: RunConfig = { ...run, modelConfig };
  const model = createPreset(run.model, modelConfig);
  const ckptDir = join(dir, RUN_FILES.checkpoints);
  const metricsPath = join(dir, RUN_FILES.metrics);
  const r = run.recipe;
  let optimizer: AdamW | undefined;
  try {
    buildForData(model, trainData);
    const parameters = countParameters(model);
    const trainSource = datasetBatchSource(trainData, { batchSize: r.batchSize, shuffle: true, dropLast: (trainData.size ?? 0) > r.batchSize });
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
          await appendRecord(metricsPath, record);
          await writeCurves(dir, await readRecords(metricsPath));
          progress.epochEnd(
            `epoch ${record.epoch}/${r.epochs} loss ${record.loss.toFixed(4)} test loss ${record.testLoss?.toFixed(4) ?? '-'} ` +
              `test accuracy ${percent(record.testAccuracy)} ${record.imagesPerSecond.toFixed(1)} img/s ${formatDuration(record.seconds)}`,
          );
        },
      },
    });
    await mkdir(ckptDir, { recursive: true });
    if (resuming) {
      const latest = await latestCheckpoint(ckptDir);
      if (!latest) throw new CliError(`${dir} holds no checkpoint to resume from; start a new run with \`ait train --out ${dir}\`.`, 2);
      await trainer.resume(latest);
      log(`Resuming ${dir} from ${latest} (epoch ${trainer.position.epoch + 1}, step ${trainer.position.step}).`);
    } else {
      await writeJsonAtomic(join(dir, RUN_FILES.config), runConfig);
    }
    log(
      `Training ${run.model} (${parameters.total.toLocaleString('en-US')} parameters) on ${trainData.name} ` +
        `(${trainData.size ?? '?'} train, ${testData.size ?? '?'} test) for ${r.epochs} epochs, batch ${r.batchSize}, lr ${r.lr}; ` +
        `${info.summary}; run directory ${dir}`,
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
      result = await trainer.fit(trainSource, { epochs: r.epochs, evalSource: testSource, ...(options.maxSteps !== undefined ? { maxSteps: options.maxSteps } : {}) });
    } catch (err) {
      if (err instanceof NonFiniteLossError) {
        const last = await latestCheckpoint(ckptDir);
        throw new CliError(
          `${err.message} ${last ? `The last good checkpoint is ${last}.` : 'No checkpoint was written before it.'}`,
          1,
          { cause: err },
        );
      }
      if (err instanceof DeviceFailureError) {
        throw new CliError(`${err.message} Continue with \`ait train --resume ${dir}\`.`, 1, { cause: err });
      }
      throw err;
    } finally {
      progress.stop();
      if (io.handleSignals !== false) process.off('SIGINT', onSigint);
    }
    const seconds = (performance.now() - started) / 1000;
    const records = await readRecords(metricsPath);
    const withAcc = records.filter((x) => x.testAccuracy !== null);
    const best = withAcc.reduce<EpochRecord | undefined>((b, x) => (b === undefined || (x.testAccuracy ?? 0) > (b.testAccuracy ?? 0) ? x : b), undefined);
    const final = records[records.length - 1];
    const summary: TrainSummary = {
      command: 'train',
      status: result.reason === 'stop-requested' ? 'stopped' : result.reason,
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
