import { layers } from '@tensorflow/tfjs-layers';
import { runtimePlatform } from '../platform/runtime-platform';
import { deviceFailure, DeviceFailureError } from '../backend/device-failure';
import { captureCheckpoint } from '../checkpoint/capture-checkpoint';
import { checkpointFileName, listCheckpoints, pruneCheckpoints } from '../checkpoint/checkpoint-directory';
import { disposeCheckpoint, type TrainingPosition } from '../checkpoint/checkpoint-contents';
import { CheckpointError } from '../checkpoint/checkpoint-error';
import { loadCheckpoint } from '../checkpoint/load-checkpoint';
import { restoreCheckpoint } from '../checkpoint/restore-checkpoint';
import { saveCheckpoint as writeCheckpoint } from '../checkpoint/save-checkpoint';
import { validateConfig, z } from '../config/validate-config';
import { globalRng, SeededRandom, type RandomState } from '../random/seeded-random';
import { AdamW } from './adamw';
import { disposeBatch, type BatchSource } from './batch-source';
import type { EpochLogs, TrainerCallbacks } from './callbacks';
import { evaluateModel, type EvalMetrics } from './evaluate';
import { LossExplosionError } from './loss-explosion-error';
import { LossWatch, type LossExplosionOptions, type LossWatchState } from './loss-watch';
import { crossEntropy } from './losses';
import type { LrSchedule } from './lr-schedule';
import { parameterRefs } from './parameter-ref';
import { trainStep, type LossFn, type StepMetrics } from './train-step';

/** When and where the {@link Trainer} writes checkpoints. */
export interface TrainerCheckpointOptions {
  /**
   * Directory of the run's checkpoints (created if needed); files are named by `checkpointFileName`.
   * Under Node a folder on disk; in a browser a path prefix in IndexedDB (see `indexedDbCheckpointStore`).
   */
  dir: string;
  /** Save after every `everySteps` optimiser steps (counted over the whole run). */
  everySteps?: number;
  /** Save at the end of every epoch (after its evaluation); default false. */
  everyEpoch?: boolean;
  /** Keep only the newest `keep` checkpoints of `dir` (older ones are deleted after a successful save). */
  keep?: number;
}

/** Options of the {@link Trainer}. */
export interface TrainerOptions {
  /**
   * A built tfjs layer or model, called as `model.apply(x, { training })` on eager tensors; its
   * output is what the loss receives (e.g. logits `[batch, classes]`).
   */
  model: layers.Layer;
  optimizer: AdamW;
  /** Task loss; default `crossEntropy(logits, y, { labelSmoothing })`. */
  loss?: LossFn;
  /** Label smoothing of the default loss, in [0, 1); not allowed together with `loss`. */
  labelSmoothing?: number;
  /** Learning rate per 0-based step; default: keep the optimiser's learning rate. */
  schedule?: LrSchedule;
  /** Clip the gradients' global L2 norm to this value (> 0) before each step. */
  clipNorm?: number;
  /**
   * Stops a run whose loss explodes before it becomes NaN/Inf: a step whose (finite) loss is more
   * than `factor` (default 10) times the running level (the larger of the first step's loss and
   * the median of the last `window`, default 50, step losses) is rejected with
   * `LossExplosionError`, which names the newest checkpoint from before the rise began. Ordinary
   * training never comes near it: a falling loss keeps the first step's loss as its level. The
   * level is saved in checkpoints; a run resumed from a checkpoint without it (an older one)
   * watches `window` steps first and takes their largest loss as the level. On by default;
   * `false` switches it off (e.g. for a loss that can jump by orders of magnitude legitimately).
   */
  explosion?: LossExplosionOptions | false;
  /** Seed of the data-order stream (shuffling); give this or `rng`, not both. */
  seed?: number | string;
  /**
   * The data-order stream itself. Without `seed` or `rng`, it is forked from `globalRng()` (one
   * draw), so one `setGlobalSeed` fixes the whole run.
   */
  rng?: SeededRandom;
  callbacks?: TrainerCallbacks | TrainerCallbacks[];
  /** Automatic checkpoints; without it `fit` writes none (call `saveCheckpoint` yourself). */
  checkpoint?: TrainerCheckpointOptions;
  /** JSON-serialisable value stored in every checkpoint, e.g. the model config. */
  config?: unknown;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /** Train until this many epochs are complete in total (a resumed run continues from its position). */
  epochs: number;
  /** Evaluated at the end of every epoch; its metrics go to `EpochLogs.eval`. */
  evalSource?: BatchSource;
  /** Stop once this many optimiser steps are done in total (e.g. to end in the middle of an epoch). */
  maxSteps?: number;
}

/** What {@link Trainer.fit} returns. */
export interface FitResult {
  /** Position after the last step. */
  readonly position: TrainingPosition;
  /** Logs of the epochs completed by this call. */
  readonly history: EpochLogs[];
  /** Why `fit` returned. */
  readonly reason: 'completed' | 'stop-requested' | 'max-steps';
  /** Path of the newest checkpoint written by this trainer (or resumed from), if any. */
  readonly lastCheckpoint?: string;
}

/** Running sums over the steps of the current epoch (stored in checkpoints for exact resumes). */
interface EpochStats {
  steps: number;
  lossSum: number;
  taskLossSum: number;
  auxLossSum: number;
  learningRate: number;
}

const emptyStats = (): EpochStats => ({ steps: 0, lossSum: 0, taskLossSum: 0, auxLossSum: 0, learningRate: 0 });

const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: `must be a function (${what})` });
const callbacksSchema = z.custom<TrainerCallbacks>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  message: 'must be an object of hooks ({ onStepEnd(metrics) { ... } })',
});

const trainerSchema = z
  .strictObject({
    model: z.custom<layers.Layer>((v) => v instanceof layers.Layer, {
      message: 'must be a tfjs-layers Layer or model (e.g. tf.sequential(...) or an AitLayer)',
    }),
    optimizer: z.custom<AdamW>((v) => v instanceof AdamW, { message: 'must be an AdamW instance (new AdamW({...}))' }),
    loss: fn('(output, y) => scalar').optional(),
    labelSmoothing: z.number('must be a number').min(0, 'must be in [0, 1)').lt(1, 'must be in [0, 1)').optional(),
    schedule: fn('(step) => learning rate').optional(),
    clipNorm: z.number('must be a number').positive('must be > 0 (omit it to switch clipping off)').finite().optional(),
    explosion: z
      .union(
        [
          z.literal(false),
          z.strictObject({
            factor: z.number('must be a number').gt(1, 'must be > 1').finite().optional(),
            window: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').optional(),
          }),
        ],
        'must be false or { factor?, window? }',
      )
      .optional(),
    seed: z.union([z.number().finite(), z.string()], 'must be a finite number or a string').optional(),
    rng: z.custom<SeededRandom>((v) => v instanceof SeededRandom, { message: 'must be a SeededRandom' }).optional(),
    callbacks: z.union([callbacksSchema, z.array(callbacksSchema)]).optional(),
    checkpoint: z
      .strictObject({
        dir: z.string('must be a directory path').min(1, 'must be a non-empty directory path'),
        everySteps: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').optional(),
        everyEpoch: z.boolean('must be true or false').optional(),
        keep: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').optional(),
      })
      .optional(),
    config: z.unknown().optional(),
  })
  .superRefine((o, ctx) => {
    if (o.loss !== undefined && o.labelSmoothing !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['labelSmoothing'],
        message: 'applies to the default cross-entropy only; with a custom `loss`, smooth the labels inside it',
      });
    }
    if (o.seed !== undefined && o.rng !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['rng'], message: 'give either `seed` or `rng`, not both' });
    }
  });

const fitSchema = z.strictObject({
  epochs: z.number('must be a number').int('must be an integer').min(0, 'must be >= 0'),
  evalSource: z
    .custom<BatchSource>((v) => typeof (v as BatchSource | null)?.batches === 'function', {
      message: 'must be a BatchSource ({ batches(epoch, rng) })',
    })
    .optional(),
  maxSteps: z.number('must be a number').int('must be an integer').min(0, 'must be >= 0').optional(),
});

const finite = z.number().refine((v) => Number.isFinite(v));
const trainerMetadataSchema = z.object({
  epochStats: z.object({
    steps: z.number().int().min(0),
    lossSum: finite,
    taskLossSum: finite,
    auxLossSum: finite,
    learningRate: finite,
  }),
  lossWatch: z
    .object({
      baseline: finite.nullable(),
      recent: z.array(finite),
      lastNormalStep: z.number().int().nullable(),
      lastStep: z.number().int().nullable(),
    })
    .optional(),
});

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
  private stats: EpochStats = emptyStats();
  private stopRequested = false;
  private running = false;
  private lastSaved: { path: string; position: TrainingPosition } | undefined;
  /** Checkpoints this trainer wrote or resumed from (paths outside `checkpoint.dir` included). */
  private saved: { path: string; step: number; epoch: number }[] = [];
  private lastStep: StepMetrics | undefined;
  private lastEpoch: EpochLogs | undefined;

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

  /** The data-order stream passed to `BatchSource.batches`. */
  get dataRng(): SeededRandom {
    return this.data;
  }

  /**
   * Asks a running `fit` to stop after the current step (or epoch-end work): it then saves a
   * checkpoint (when `checkpoint.dir` is set) and returns with reason `stop-requested`. Safe to
   * call from a signal handler, e.g. `process.once('SIGINT', () => trainer.requestStop())`.
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
   * evaluation on `evalSource`, `onEpochEnd` and, with `checkpoint.everyEpoch`, a checkpoint.
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
    const { epochs, evalSource, maxSteps } = validateConfig('Trainer.fit', fitSchema, options);
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
          this.stats = emptyStats();
        } else {
          this.data.setState(this.epochStartData);
        }
        const announced = source.numBatches?.();
        if (announced !== undefined && skip > announced) {
          throw new Error(
            `Trainer.fit: the position is batch ${skip} of epoch ${epoch}, but the source has only ${announced} ` +
              'batches per epoch; resume with the data and batch size the checkpoint was trained with.',
          );
        }
        await this.emit((c) => c.onEpochBegin?.(epoch));

        let index = 0;
        let interrupted = false;
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
          this.stats = {
            steps: this.stats.steps + 1,
            lossSum: this.stats.lossSum + metrics.loss,
            taskLossSum: this.stats.taskLossSum + metrics.taskLoss,
            auxLossSum: this.stats.auxLossSum + metrics.auxLoss,
            learningRate: metrics.learningRate,
          };
          this.lastStep = metrics;
          this.watch?.record(metrics.step, metrics.loss);
          await this.emit((c) => c.onStepEnd?.(metrics));
          if (ckpt?.everySteps !== undefined && this.pos.step % ckpt.everySteps === 0) await this.saveCheckpoint();
          if (this.stopRequested) reason = 'stop-requested';
          else if (maxSteps !== undefined && this.pos.step >= maxSteps) reason = 'max-steps';
          if (reason !== 'completed') {
            interrupted = true;
            break;
          }
        }
        if (interrupted) break;
        if (index === 0 || index < skip) {
          throw new Error(
            index === 0
              ? `Trainer.fit: the source yielded no batches in epoch ${epoch}; check its data and batch size.`
              : `Trainer.fit: the source yielded ${index} batches in epoch ${epoch}, fewer than the ${skip} the ` +
                  'checkpoint had already trained on; resume with the same data and batch size.',
          );
        }

        const evalMetrics = evalSource ? await this.evaluate(evalSource) : undefined;
        this.throwOnDeviceFailure();
        const s = this.stats;
        const logs: EpochLogs = {
          epoch,
          steps: s.steps,
          loss: s.steps > 0 ? s.lossSum / s.steps : Number.NaN,
          taskLoss: s.steps > 0 ? s.taskLossSum / s.steps : Number.NaN,
          auxLoss: s.steps > 0 ? s.auxLossSum / s.steps : Number.NaN,
          learningRate: s.learningRate,
          ...(evalMetrics ? { eval: evalMetrics } : {}),
        };
        this.pos = { epoch: epoch + 1, step: this.pos.step, stepInEpoch: 0 };
        this.epochStartData = this.data.getState();
        this.stats = emptyStats();
        this.lastEpoch = logs;
        history.push(logs);
        await this.emit((c) => c.onEpochEnd?.(epoch, logs));
        if (ckpt?.everyEpoch) await this.saveCheckpoint();
        if (this.stopRequested) {
          reason = 'stop-requested';
          break;
        }
      }

      if (ckpt && !this.savedAtCurrentPosition()) await this.saveCheckpoint();
      const result: FitResult = {
        position: this.position,
        history,
        reason,
        ...(this.lastSaved ? { lastCheckpoint: this.lastSaved.path } : {}),
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
    const candidates = [...this.saved];
    const dir = this.checkpointOptions?.dir;
    if (dir !== undefined) {
      for (const e of await listCheckpoints(dir)) if (!candidates.some((c) => c.path === e.path)) candidates.push(e);
    }
    const good = candidates.filter((c) => c.step <= bound).sort((a, b) => a.step - b.step || a.epoch - b.epoch);
    return good[good.length - 1]?.path;
  }

  /** Throws {@link DeviceFailureError} when the device of the backend that runs now failed. */
  private throwOnDeviceFailure(): void {
    const failure = deviceFailure();
    if (failure !== null) throw new DeviceFailureError(failure, this.pos.epoch, this.pos.step, this.lastSaved?.path);
  }

  /**
   * Mean task loss and accuracy of the model on `source`, in inference mode (see
   * {@link evaluateModel}; state updates layers report are applied). Does not touch the data
   * stream.
   */
  async evaluate(source: BatchSource): Promise<EvalMetrics> {
    return evaluateModel(this.model, source, { loss: this.lossFn, epoch: this.pos.epoch });
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
    this.throwOnDeviceFailure();
    const target = path ?? runtimePlatform().joinPath(dir as string, checkpointFileName(this.pos));
    const contents = captureCheckpoint({
      model: this.model,
      optimizer: this.optimizer,
      rngs: { global: globalRng(), data: this.data, dataEpochStart: this.epochStartData },
      position: this.pos,
      config: this.config,
      metadata: {
        trainer: { epochStats: { ...this.stats }, ...(this.watch ? { lossWatch: this.watch.getState() } : {}) },
        ...(this.lastStep ? { lastStep: this.lastStep } : {}),
        ...(this.lastEpoch ? { lastEpoch: this.lastEpoch } : {}),
      },
    });
    try {
      await writeCheckpoint(target, contents);
    } finally {
      disposeCheckpoint(contents);
    }
    this.lastSaved = { path: target, position: this.position };
    this.remember(target);
    const keep = this.checkpointOptions?.keep;
    if (path === undefined && keep !== undefined) {
      // while the loss rises, the last checkpoint from before the rise is kept beyond `keep`
      const trusted = this.watch?.rising ? await this.lastGoodCheckpoint() : undefined;
      const removed = await pruneCheckpoints(dir as string, keep, trusted !== undefined ? [target, trusted] : target);
      this.saved = this.saved.filter((c) => !removed.includes(c.path));
    }
    return target;
  }

  /**
   * Restores a checkpoint written by {@link Trainer.saveCheckpoint}: weights, optimiser moments
   * and iterations, the global and data random streams, the position and the epoch's running
   * sums. The next `fit` continues exactly where that run was. The model and optimiser must
   * match the checkpoint (a `CheckpointError` lists the differences and nothing changes).
   * Returns the restored position.
   */
  async resume(path: string): Promise<TrainingPosition> {
    if (this.running) throw new Error('Trainer.resume: cannot resume while fit is running.');
    const contents = await loadCheckpoint(path);
    try {
      const meta = trainerMetadataSchema.safeParse(contents.metadata.trainer);
      if (!meta.success) {
        throw new CheckpointError(
          'mismatch',
          path,
          `Cannot resume from checkpoint ${path}: it was not written by Trainer.saveCheckpoint (it lacks the ` +
            "trainer's bookkeeping in metadata.trainer). Load its weights with loadCheckpoint + restoreCheckpoint " +
            'and start a new run instead.',
        );
      }
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
      this.lastSaved = { path, position };
      this.remember(path);
      this.lastStep = undefined;
      this.lastEpoch = undefined;
      return this.position;
    } finally {
      disposeCheckpoint(contents);
    }
  }

  /** Notes a checkpoint written (or resumed from) at the current position. */
  private remember(path: string): void {
    this.saved = [...this.saved.filter((c) => c.path !== path), { path, step: this.pos.step, epoch: this.pos.epoch }];
  }

  private savedAtCurrentPosition(): boolean {
    const p = this.lastSaved?.position;
    return p !== undefined && p.epoch === this.pos.epoch && p.step === this.pos.step && p.stepInEpoch === this.pos.stepInEpoch;
  }

  private async emit(call: (c: TrainerCallbacks) => void | Promise<void> | undefined): Promise<void> {
    for (const c of this.callbacks) await call(c);
  }
}
