import type { layers } from '@tensorflow/tfjs-layers';
import { runtimePlatform } from '../platform/runtime-platform';
import { deviceFailure, DeviceFailureError } from '../backend/device-failure';
import { checkpointFileName, pruneCheckpoints } from '../checkpoint/checkpoint-directory';
import { disposeCheckpoint, type TrainingPosition } from '../checkpoint/checkpoint-contents';
import { loadCheckpoint } from '../checkpoint/load-checkpoint';
import { restoreCheckpoint } from '../checkpoint/restore-checkpoint';
import { validateConfig } from '../config/validate-config';
import { globalRng, SeededRandom, type RandomState } from '../random/seeded-random';
import type { AdamW } from './adamw';
import { disposeBatch, type BatchSource } from './batch-source';
import type { EpochLogs, TrainerCallbacks } from './callbacks';
import { CheckpointLedger } from './checkpoint-ledger';
import { beatsBest } from './best-checkpoint';
import { checkEpochBatchCount, checkEpochResumable } from './epoch-batch-checks';
import { addStepToStats, emptyEpochStats, epochLogsFromStats, type EpochStats } from './epoch-stats';
import { EventLoopTurns } from './event-loop-turn';
import { evaluateModel, type EvalMetrics } from './evaluate';
import type { ExampleGrouping } from './group-accuracy';
import { LossExplosionError } from './loss-explosion-error';
import { LossWatch, type LossWatchState } from './loss-watch';
import { crossEntropy } from './losses';
import type { LrSchedule } from './lr-schedule';
import { parameterRefs } from './parameter-ref';
import { trainStep, type LossFn, type StepMetrics } from './train-step';
import { writeTrainerState } from './trainer-state';
import {
  fitSchema,
  notTrainerCheckpoint,
  trainerMetadataSchema,
  trainerSchema,
  type BestCheckpointRecord,
  type FitOptions,
  type FitResult,
  type TrainerCheckpointOptions,
  type TrainerOptions,
} from './trainer-options';

/**
 * The train / evaluate loop. One {@link trainStep} per batch (forward + backward in a training
 * forward context, auxiliary losses added, optional clipping, NaN and loss-explosion checks,
 * scheduled learning rate, AdamW, then state updates), epochs over a {@link BatchSource},
 * evaluation at epoch ends, callbacks, atomic checkpoints, and exact resumption.
 *
 * Randomness: initialisation and dropout draw from `globalRng()`; the data order from the
 * trainer's own data stream. Both states, the weights (non-trainable ones included), the
 * optimiser moments and the position go into every checkpoint, and {@link Trainer.resume}
 * restores them all, so a resumed run, even from the middle of an epoch, produces the same
 * losses and weights as an uninterrupted one (bit-identical on the cpu backend).
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import * as tfl from '@tensorflow/tfjs-layers';
 * import { AdamW, Dense, Trainer, initBackend, tensorBatchSource } from '@ait/core';
 *
 * await initBackend({ backend: 'cpu' });
 * const x = tf.randomNormal([128, 8]); // features [examples, 8]
 * const y = tf.tensor1d(Array.from({ length: 128 }, (_, i) => i % 2), 'int32'); // labels [examples]
 * const model = tfl.sequential({ layers: [new Dense({ units: 16, inputShape: [8], activation: 'relu' }), new Dense({ units: 2 })] });
 * const trainer = new Trainer({ model, optimizer: new AdamW({ learningRate: 1e-2 }), seed: 0 });
 * const result = await trainer.fit(tensorBatchSource(x, y, { batchSize: 32 }), { epochs: 3 });
 * console.log(result.reason, result.history.at(-1)?.loss);
 * ```
 */
export class Trainer {
  /** The model being trained. */
  readonly model: layers.Layer;
  /** Its optimiser. */
  readonly optimizer: AdamW;
  private readonly lossFn: LossFn;
  private readonly schedule: LrSchedule | undefined;
  private readonly clipNorm: number | undefined;
  private readonly watch: LossWatch | undefined;
  private readonly callbacks: TrainerCallbacks[];
  private readonly checkpointOptions: TrainerCheckpointOptions | undefined;
  /**
   * The JSON-serialisable value stored in every checkpoint (the `config` option); it may be
   * replaced between calls of `fit`, e.g. to record settings changed on a resume.
   */
  config: unknown;
  private readonly data: SeededRandom;
  private epochStartData: RandomState;
  private pos: TrainingPosition = { epoch: 0, step: 0, stepInEpoch: 0 };
  private stats: EpochStats = emptyEpochStats();
  private stopRequested = false;
  private running = false;
  private readonly ledger = new CheckpointLedger();
  private lastStep: StepMetrics | undefined;
  private lastEpoch: EpochLogs | undefined;
  private bestRecord: BestCheckpointRecord | undefined;

  /** @param options validated; throws a `ConfigError` naming each bad field. */
  constructor(options: TrainerOptions) {
    const o = validateConfig('Trainer', trainerSchema, options);
    this.model = o.model;
    this.optimizer = o.optimizer;
    const labelSmoothing = o.labelSmoothing ?? 0;
    this.lossFn = (o.loss as LossFn | undefined) ?? ((output, y) => crossEntropy(output, y, { labelSmoothing }));
    this.schedule = o.schedule as LrSchedule | undefined;
    this.clipNorm = o.clipNorm;
    this.watch = o.explosion === false ? undefined : new LossWatch(o.explosion ?? {});
    this.callbacks = o.callbacks === undefined ? [] : Array.isArray(o.callbacks) ? o.callbacks : [o.callbacks];
    this.checkpointOptions = o.checkpoint;
    this.config = o.config ?? null;
    this.data = o.rng ?? (o.seed !== undefined ? new SeededRandom(o.seed) : globalRng().fork());
    this.epochStartData = this.data.getState();
  }

  /** Where the run stands: epoch in progress, optimiser steps done, batches of this epoch done. */
  get position(): TrainingPosition {
    return { ...this.pos };
  }

  /** The best epoch so far (with `checkpoint.best`), restored by {@link Trainer.resume}; `undefined` before one. */
  get best(): BestCheckpointRecord | undefined {
    return this.bestRecord;
  }

  /** The data-order stream passed to `BatchSource.batches`. */
  get dataRng(): SeededRandom {
    return this.data;
  }

  /**
   * Asks a running `fit` to stop after the current step (or epoch-end work): it then saves a
   * checkpoint (when `checkpoint.dir` is set) and returns with reason `stop-requested`. Safe to
   * call from a signal handler, e.g. `process.once('SIGINT', () => trainer.requestStop())`, a
   * timer or a UI event: `fit` gives the event loop a turn at least every 50 ms between steps.
   */
  requestStop(): void {
    this.stopRequested = true;
  }

  /**
   * Trains until `epochs` epochs are complete in total (or `maxSteps`, or a stop request),
   * starting from the current position (after {@link Trainer.resume}, from the checkpoint's).
   *
   * Per epoch: `onEpochBegin`, then for each batch of `source.batches(epoch, dataRng)` one
   * {@link trainStep} (batches are disposed after use; when resuming in the middle of an epoch
   * the data stream is rewound to the epoch's start and the batches already trained on are
   * skipped), `onStepEnd`, and a checkpoint every `checkpoint.everySteps` steps; at the end,
   * evaluation on `evalSource`, `onEpochEnd`, with `checkpoint.best` the best checkpoint when the
   * epoch beats the best so far, and with `checkpoint.everyEpoch` a checkpoint.
   * With `checkpoint.dir` set, the final state is always saved before returning, and temporary
   * files that killed saves left in the directory are removed when `fit` starts.
   *
   * A NaN/Inf loss rejects with `NonFiniteLossError`, and a finite loss far above its running
   * level (see the `explosion` option) with `LossExplosionError`: the step is not applied and no
   * checkpoint is written after it ({@link Trainer.lastGoodCheckpoint} names the one to resume
   * from). Other errors propagate the same way. When the GPU device of the backend
   * fails (WebGPU device lost or out of memory, see `deviceFailure`) it rejects with
   * `DeviceFailureError` naming the last checkpoint, and writes none after the failure.
   * `onTrainEnd` runs only on success.
   */
  async fit(source: BatchSource, options: FitOptions): Promise<FitResult> {
    if (typeof (source as BatchSource | null)?.batches !== 'function') {
      throw new Error('Trainer.fit: source must be a BatchSource ({ batches(epoch, rng) }), e.g. tensorBatchSource(x, y, {...}).');
    }
    const { epochs, evalSource, maxSteps, evalGroupings } = validateConfig('Trainer.fit', fitSchema, options);
    if (this.running) throw new Error('Trainer.fit: this trainer is already running; await the first call.');
    this.running = true;
    this.stopRequested = false;
    try {
      const params = parameterRefs(this.model);
      const history: EpochLogs[] = [];
      const ckpt = this.checkpointOptions;
      // what killed saves of earlier runs left in the checkpoint directory (never a live writer's)
      if (ckpt) await runtimePlatform().checkpoints.removeStale?.(ckpt.dir);
      let reason: FitResult['reason'] = 'completed';
      await this.emit((c) => c.onTrainBegin?.(this.position));

      while (this.pos.epoch < epochs) {
        if (maxSteps !== undefined && this.pos.step >= maxSteps) {
          reason = 'max-steps';
          break;
        }
        const epoch = this.pos.epoch;
        const skip = this.pos.stepInEpoch;
        if (skip === 0) {
          this.epochStartData = this.data.getState();
          this.stats = emptyEpochStats();
        } else {
          this.data.setState(this.epochStartData);
        }
        checkEpochResumable(source.numBatches?.(), skip, epoch);
        await this.emit((c) => c.onEpochBegin?.(epoch));

        let index = 0;
        let interrupted = false;
        const turns = new EventLoopTurns();
        for await (const batch of source.batches(epoch, this.data)) {
          if (index < skip) {
            disposeBatch(batch);
            index += 1;
            continue;
          }
          let metrics: StepMetrics;
          try {
            metrics = await trainStep({
              model: this.model,
              params,
              optimizer: this.optimizer,
              batch,
              loss: this.lossFn,
              ...(this.schedule ? { learningRate: this.schedule(this.pos.step) } : {}),
              ...(this.clipNorm !== undefined ? { clipNorm: this.clipNorm } : {}),
              ...(this.watch ? { checkLoss: (loss: number) => this.checkExplosion(loss, epoch) } : {}),
              epoch,
              step: this.pos.step,
              stepInEpoch: index,
            });
          } finally {
            disposeBatch(batch);
          }
          // a GPU device that failed during the step (lost, out of memory) gave wrong values: stop
          // before they reach the position, the callbacks or a checkpoint
          this.throwOnDeviceFailure();
          index += 1;
          this.pos = { epoch, step: this.pos.step + 1, stepInEpoch: index };
          this.stats = addStepToStats(this.stats, metrics);
          this.lastStep = metrics;
          this.watch?.record(metrics.step, metrics.loss);
          await this.emit((c) => c.onStepEnd?.(metrics));
          await turns.maybeYield(); // lets a stop asked from a signal handler, timer or UI event arrive
          if (ckpt?.everySteps !== undefined && this.pos.step % ckpt.everySteps === 0) await this.saveCheckpoint();
          if (this.stopRequested) reason = 'stop-requested';
          else if (maxSteps !== undefined && this.pos.step >= maxSteps) reason = 'max-steps';
          if (reason !== 'completed') {
            interrupted = true;
            break;
          }
        }
        if (interrupted) break;
        checkEpochBatchCount(index, skip, epoch);

        const evalMetrics = evalSource ? await this.evaluate(evalSource, evalGroupings) : undefined;
        this.throwOnDeviceFailure();
        const logs = epochLogsFromStats(epoch, this.stats, evalMetrics);
        this.pos = { epoch: epoch + 1, step: this.pos.step, stepInEpoch: 0 };
        this.epochStartData = this.data.getState();
        this.stats = emptyEpochStats();
        this.lastEpoch = logs;
        history.push(logs);
        await this.emit((c) => c.onEpochEnd?.(epoch, logs));
        await this.keepIfBest(epoch, evalMetrics?.accuracy);
        if (ckpt?.everyEpoch) await this.saveCheckpoint();
        if (this.stopRequested) {
          reason = 'stop-requested';
          break;
        }
      }

      if (ckpt && !this.ledger.isAt(this.pos)) await this.saveCheckpoint();
      const result: FitResult = {
        position: this.position,
        history,
        reason,
        ...(this.ledger.last ? { lastCheckpoint: this.ledger.last.path } : {}),
        ...(this.bestRecord ? { best: this.bestRecord } : {}),
      };
      await this.emit((c) => c.onTrainEnd?.(result));
      return result;
    } finally {
      this.running = false;
    }
  }

  /** Rejects the step about to be applied (0-based index `this.pos.step`) when its loss exploded. */
  private async checkExplosion(loss: number, epoch: number): Promise<void> {
    const watch = this.watch;
    if (!watch?.explodes(loss)) return;
    const step = this.pos.step;
    const lastNormal = watch.lastNormalStep;
    throw new LossExplosionError(
      loss,
      watch.level() as number,
      watch.factor,
      epoch,
      step,
      this.schedule ? this.schedule(step) : this.optimizer.learningRate,
      lastNormal !== undefined ? lastNormal + 1 : step,
      await this.lastGoodCheckpoint(),
    );
  }

  /**
   * The newest checkpoint to trust after the run diverged: among the checkpoints of
   * `checkpoint.dir` and those this trainer saved or resumed from, the newest written at or before
   * the last step whose loss was not elevated (more than `sqrt(factor)` times its running level;
   * see the `explosion` option). A checkpoint written while the loss was rising, or right before a
   * step whose loss was NaN, is not trusted: its weights produced that loss. Without any watched
   * step (or with `explosion: false`), the newest checkpoint at or before the current position.
   * `undefined` when there is none.
   */
  async lastGoodCheckpoint(): Promise<string | undefined> {
    const bound = Math.min(this.pos.step, this.watch?.lastNormalStep ?? this.pos.step);
    return this.ledger.newestAtOrBefore(bound, this.checkpointOptions?.dir);
  }

  /** Throws {@link DeviceFailureError} when the device of the backend that runs now failed. */
  private throwOnDeviceFailure(): void {
    const failure = deviceFailure();
    if (failure !== null) throw new DeviceFailureError(failure, this.pos.epoch, this.pos.step, this.ledger.last?.path);
  }

  /**
   * Mean task loss and accuracy of the model on `source`, in inference mode (see
   * {@link evaluateModel}; state updates layers report are applied), and with `groupings` the
   * accuracy per group. Does not touch the data stream.
   */
  async evaluate(source: BatchSource, groupings?: readonly ExampleGrouping[]): Promise<EvalMetrics> {
    return evaluateModel(this.model, source, { loss: this.lossFn, epoch: this.pos.epoch, ...(groupings ? { groupings } : {}) });
  }

  /** With `checkpoint.best`: records the epoch just evaluated and saves the state there when its accuracy beats the best so far. */
  private async keepIfBest(epoch: number, accuracy: number | null | undefined): Promise<void> {
    const path = this.checkpointOptions?.best;
    if (path === undefined || !beatsBest(accuracy, this.bestRecord)) return;
    const previous = this.bestRecord;
    this.bestRecord = { accuracy, epoch, step: this.pos.step, path };
    await this.writeState(path).catch((err: unknown) => {
      this.bestRecord = previous;
      throw err;
    });
  }

  /**
   * Saves the complete training state (weights incl. state buffers, AdamW moments and step
   * count, the global and data random streams, the position, epoch bookkeeping, `config`, last
   * metrics) atomically to `path`, or by default to `checkpoint.dir/checkpointFileName(position)`,
   * then deletes checkpoints beyond `checkpoint.keep`. Returns the path written.
   */
  async saveCheckpoint(path?: string): Promise<string> {
    const dir = this.checkpointOptions?.dir;
    if (path === undefined && dir === undefined) {
      throw new Error('Trainer.saveCheckpoint: give a path, or set the `checkpoint.dir` option of the Trainer.');
    }
    const target = path ?? runtimePlatform().joinPath(dir as string, checkpointFileName(this.pos));
    await this.writeState(target);
    this.ledger.note(target, this.pos);
    const keep = this.checkpointOptions?.keep;
    if (path === undefined && keep !== undefined) {
      // while the loss rises, the last checkpoint from before the rise is kept beyond `keep`
      const trusted = this.watch?.rising ? await this.lastGoodCheckpoint() : undefined;
      const removed = await pruneCheckpoints(dir as string, keep, trusted !== undefined ? [target, trusted] : target);
      this.ledger.forget(removed);
    }
    return target;
  }

  /** Writes the complete training state to `target` atomically (see {@link Trainer.saveCheckpoint}). */
  private async writeState(target: string): Promise<void> {
    this.throwOnDeviceFailure();
    const { model, optimizer, data, epochStartData, pos: position, config, stats, watch, bestRecord: best, lastStep, lastEpoch } = this;
    await writeTrainerState(target, { model, optimizer, data, epochStartData, position, config, stats, watch, best, lastStep, lastEpoch });
  }

  /**
   * Restores a checkpoint written by {@link Trainer.saveCheckpoint}: weights, optimiser moments
   * and iterations, the global and data random streams, the position, the epoch's running sums,
   * the best's record (`checkpoint.best`). The next `fit` continues exactly where that run was.
   * The model and optimiser must match the checkpoint (a `CheckpointError` lists the differences
   * and nothing changes). Returns the restored position.
   */
  async resume(path: string): Promise<TrainingPosition> {
    if (this.running) throw new Error('Trainer.resume: cannot resume while fit is running.');
    const contents = await loadCheckpoint(path);
    try {
      const meta = trainerMetadataSchema.safeParse(contents.metadata.trainer);
      if (!meta.success) throw notTrainerCheckpoint(path);
      const epochStart = new SeededRandom(0);
      const position = restoreCheckpoint(contents, {
        model: this.model,
        optimizer: this.optimizer,
        rngs: { global: globalRng(), data: this.data, dataEpochStart: epochStart },
      });
      this.epochStartData = epochStart.getState();
      this.pos = position;
      this.stats = { ...meta.data.epochStats };
      this.watch?.setState(meta.data.lossWatch as LossWatchState | undefined);
      const best = meta.data.best;
      const bestPath = this.checkpointOptions?.best;
      this.bestRecord = best && bestPath !== undefined ? { ...best, path: bestPath } : undefined;
      this.ledger.note(path, position);
      // what the run held: a checkpoint written before the next step then equals an uninterrupted run's
      const { lastStep, lastEpoch } = contents.metadata as { lastStep?: StepMetrics; lastEpoch?: EpochLogs };
      [this.lastStep, this.lastEpoch] = [lastStep, lastEpoch];
      if (this.schedule && Number.isFinite(lastStep?.learningRate)) this.optimizer.learningRate = lastStep?.learningRate as number;
      return this.position;
    } finally {
      disposeCheckpoint(contents);
    }
  }

  private async emit(call: (c: TrainerCallbacks) => void | Promise<void> | undefined): Promise<void> {
    for (const c of this.callbacks) await call(c);
  }
}
