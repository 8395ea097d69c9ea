import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
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
  type BackendChoice,
  type FitResult,
} from '@ait/core';
import { datasetBatchSource, exampleGroupings } from '@ait/datasets';
import { describeAugment } from '../util/augment-option';
import { bestCheckpointPath } from '../util/best-checkpoint';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { writeCurves } from '../util/curves';
import { openSplit } from '../util/dataset-choice';
import { divergenceMessage } from '../util/divergence-message';
import { epochLine, epochRecord } from '../util/epoch-report';
import { groupAccuracyMap } from '../util/group-report';
import { writeMetricsCsv } from '../util/metrics-csv';
import { readRecords, writeEpochRecord } from '../util/metrics-log';
import { buildForData, createPreset, findPreset, fitPresetToData } from '../util/model-for-data';
import { createProgressReporter } from '../util/progress-reporter';
import { RUN_FILES, writeJsonAtomic, type RunConfig } from '../util/run-config';
import { prepareRunDirectory, removeIfEmpty } from '../util/run-directory';
import { acquireRunLock, type RunLock } from '../util/run-lock';
import { removeStaleRunTemporaries } from '../util/stale-temporaries';
import { chanceLevelWarning, learningRateWarning } from '../util/run-warnings';
import { checkStepMemory, outOfMemoryError } from '../util/step-memory-check';
import { BACKEND_CHOICES } from '../util/train-option-table';
import { resolveRun, runExistsError, type RunPlan } from '../util/train-plan';
import type { TrainCommandOptions } from '../util/train-options';
import { resumeRun } from '../util/train-resume';
import { bestRecord, printTrainSummary, type TrainSummary } from '../util/train-summary';

export { DEFAULT_DATASET, DEFAULT_MODEL } from '../util/train-plan';
export { trainConfigFileSchema, type TrainCommandOptions } from '../util/train-options';
export type { TrainSummary } from '../util/train-summary';

/** Backends `--backend` accepts. */
export const BACKENDS: readonly BackendChoice[] = BACKEND_CHOICES;

/**
 * `ait train`: trains a preset on a data set with the preset's recipe or the AiT paper's
 * (`--recipe paper`), changed by flags or a config file, evaluating every epoch (Sort-of-CLEVR:
 * also per question type and sub-question), saving checkpoints atomically at every epoch end (and
 * every `checkpointEvery` steps, and on Ctrl-C) plus `checkpoints/best.ckpt` for the epoch with the
 * best test accuracy, writing `metrics.jsonl` and `metrics.csv` (one line per epoch, task and
 * auxiliary loss apart), `loss.svg`, `accuracy.svg` and `summary.json` into the run directory, and
 * printing a summary.
 *
 * The run directory is checked before any work (a file, a read-only or unwritable place exit 2
 * with what to do) and locked while training (`train.lock`: a second process exits 2 naming the
 * pid that holds it; the lock of a killed process is taken over). `resume` continues a run from
 * its newest checkpoint that verifies (damaged newer ones are passed over and set aside) or from
 * a given checkpoint file, with optionally changed optimisation settings (recorded in `run.json`
 * and `metrics.jsonl`), keeping the best checkpoint's record. A diverging loss (NaN/Inf, or an
 * explosion far above its running level) stops the run naming the last good checkpoint and the
 * command that continues from it. A learning rate far outside the recipe's, and a final test
 * accuracy at chance level, are warned about (stderr and `summary.json`). Returns the exit code.
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
    await removeStaleRunTemporaries(plan.dir);
    if (plan.resume === undefined && (await latestCheckpoint(join(plan.dir, RUN_FILES.checkpoints)))) throw runExistsError(plan.dir);
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
  const { run, dir, backend, threads, recipeLr } = plan;
  const resuming = plan.resume !== undefined;
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
  // a new run records the backend it runs on, which a resume without --backend keeps
  let runConfig: RunConfig = resuming ? { ...run, modelConfig } : { ...run, modelConfig, backend: info.backend };
  const model = createPreset(run.model, modelConfig);
  const ckptDir = join(dir, RUN_FILES.checkpoints);
  const metricsPath = join(dir, RUN_FILES.metrics);
  const r = run.recipe;
  const augment = r.augment !== undefined && (r.augment.cropPadding > 0 || r.augment.horizontalFlip) ? r.augment : undefined;
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
      ...(augment !== undefined ? { augment } : {}),
    });
    const testSource = datasetBatchSource(testData, { batchSize: Math.max(r.batchSize, 128), shuffle: false });
    // the question type (and sub-question) of every test example, for Sort-of-CLEVR's accuracy per group
    const evalGroupings = testData.access !== 'stream' ? await exampleGroupings(testData) : [];
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
      schedule: cosineSchedule({
        peak: r.lr,
        totalSteps,
        warmupSteps,
        warmupStart: Math.min(r.warmupStartLr ?? 0, r.lr),
        floor: r.lr * 0.01,
      }),
      ...(r.labelSmoothing > 0 ? { labelSmoothing: r.labelSmoothing } : {}),
      ...(r.clipNorm > 0 ? { clipNorm: r.clipNorm } : {}),
      seed: run.seed,
      config: runConfig,
      checkpoint: {
        dir: ckptDir,
        everyEpoch: true,
        keep: 3,
        best: bestCheckpointPath(dir),
        ...(run.checkpointEvery !== null ? { everySteps: run.checkpointEvery } : {}),
      },
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
          progress.step(m.stepInEpoch + 1, m.taskLoss, epochImages / Math.max(1e-9, epochStepSeconds), m.auxLoss);
        },
        async onEpochEnd(epoch, logs) {
          const record = epochRecord(epoch, trainer.position.step, logs, {
            imagesPerSecond: epochImages / Math.max(1e-9, epochStepSeconds),
            seconds: (performance.now() - epochStart) / 1000,
          });
          await writeEpochRecord(metricsPath, record);
          const records = await readRecords(metricsPath);
          await writeMetricsCsv(join(dir, RUN_FILES.metricsCsv), records);
          await writeCurves(dir, records);
          progress.epochEnd(epochLine(record, r.epochs));
        },
      },
    });
    await mkdir(ckptDir, { recursive: true });
    if (plan.resume !== undefined) {
      runConfig = await resumeRun(trainer, { dir, ...plan.resume, runConfig, warn, log });
    } else {
      await writeJsonAtomic(join(dir, RUN_FILES.config), runConfig);
    }
    log(
      `Training ${run.model} (${parameters.total.toLocaleString('en-US')} parameters) on ${trainData.name} ` +
        `(${trainData.size ?? '?'} train, ${testData.size ?? '?'} test) for ${r.epochs} epochs, batch ${r.batchSize}, lr ${r.lr}` +
        `${r.clipNorm > 0 ? `, clip norm ${r.clipNorm}` : ''}${augment !== undefined ? `, augment ${describeAugment(augment)}` : ''}` +
        `${run.recipeName === 'paper' ? ', paper recipe' : ''}; ${info.summary}; run directory ${dir}`,
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
        ...(evalGroupings.length > 0 ? { evalGroupings } : {}),
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
    const best = bestRecord(records);
    const final = records[records.length - 1];
    const status: TrainSummary['status'] = result.reason === 'stop-requested' ? 'stopped' : result.reason;
    if (status === 'completed') {
      const chance = chanceLevelWarning(final?.testAccuracy ?? null, testData.numClasses, testData.size, r.lr, run.model, recipeLr);
      if (chance !== undefined) warn(chance);
    }
    const lastGroups = result.history[result.history.length - 1]?.eval?.groups;
    const summary: TrainSummary = {
      command: 'train',
      status,
      runDir: dir,
      model: run.model,
      dataset: run.dataset.choice,
      recipe: run.recipeName ?? 'preset',
      backend: info.backend,
      parameters,
      epochs: result.position.epoch,
      steps: result.position.step,
      bestAccuracy: best?.testAccuracy ?? null,
      bestEpoch: best?.epoch ?? null,
      finalAccuracy: final?.testAccuracy ?? null,
      finalLoss: final?.testLoss ?? null,
      finalTrainTaskLoss: final?.taskLoss ?? null,
      finalTrainAuxLoss: final?.auxLoss ?? null,
      finalGroupAccuracy: final?.testGroupAccuracy ?? (lastGroups !== undefined ? groupAccuracyMap(lastGroups) : null),
      seconds,
      imagesPerSecond: images / Math.max(1e-9, stepSeconds),
      lastCheckpoint: result.lastCheckpoint ?? null,
      // (null when the record's file was set aside on a resume and no later epoch beat it)
      bestCheckpoint: result.best !== undefined && existsSync(result.best.path) ? result.best.path : null,
      warnings: [...warnings],
    };
    await writeJsonAtomic(join(dir, RUN_FILES.summary), summary);
    printTrainSummary(io, summary, options.json === true);
    return summary.status === 'stopped' ? 130 : 0;
  } finally {
    optimizer?.dispose();
    model.dispose();
  }
}
