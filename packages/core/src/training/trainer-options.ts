import { layers } from '@tensorflow/tfjs-layers';
import { CheckpointError } from '../checkpoint/checkpoint-error';
import { z } from '../config/validate-config';
import { SeededRandom } from '../random/seeded-random';
import { AdamW } from './adamw';
import type { BatchSource } from './batch-source';
import type { TrainerCallbacks } from './callbacks';
import type { ExampleGrouping } from './group-accuracy';
import type { LossExplosionOptions } from './loss-watch';
import type { LrSchedule } from './lr-schedule';
import type { LossFn } from './train-step';

// The options of the Trainer and of Trainer.fit, their schemas, and the schema of the trainer's
// bookkeeping in checkpoints (metadata.trainer).

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
  /**
   * Also keep the best checkpoint at this path (e.g. `<dir>/best.ckpt`): after every epoch whose
   * evaluation accuracy (`fit`'s `evalSource`) is higher than that of every earlier epoch of the
   * run, the state is saved there too, atomically, before the epoch's regular checkpoint. It is
   * never pruned by `keep`; give it a name that `checkpointFileName` does not produce, so it is
   * not taken for the newest checkpoint. The best's record ({@link BestCheckpointRecord}) goes into
   * every checkpoint and is restored by `resume`, so a resumed run replaces the file only when it
   * beats the best epoch from before the interruption.
   */
  best?: string;
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
  /**
   * Groups of `evalSource`'s examples (in the order it yields them: the source must not shuffle)
   * for accuracy per group in `EpochLogs.eval.groups`, e.g. Sort-of-CLEVR's question types.
   */
  evalGroupings?: readonly ExampleGrouping[];
}

const fn = (what: string) =>
  z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: `must be a function (${what})` });
const callbacksSchema = z.custom<TrainerCallbacks>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), {
  message: 'must be an object of hooks ({ onStepEnd(metrics) { ... } })',
});

/** Schema of {@link TrainerOptions}. */
export const trainerSchema = z
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
        best: z.string('must be a file path').min(1, 'must be a non-empty file path').optional(),
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

/** Schema of {@link FitOptions}. */
export const fitSchema = z.strictObject({
  epochs: z.number('must be a number').int('must be an integer').min(0, 'must be >= 0'),
  evalSource: z
    .custom<BatchSource>((v) => typeof (v as BatchSource | null)?.batches === 'function', {
      message: 'must be a BatchSource ({ batches(epoch, rng) })',
    })
    .optional(),
  maxSteps: z.number('must be a number').int('must be an integer').min(0, 'must be >= 0').optional(),
  evalGroupings: z
    .array(
      z.object({
        name: z.string('must be a string'),
        groups: z.array(z.string('must be a string')),
        indices: z.custom<ArrayLike<number>>((v) => typeof (v as { length?: unknown } | null)?.length === 'number', {
          message: 'must be an array of group indices',
        }),
      }),
      'must be an array of { name, groups, indices }',
    )
    .optional(),
});

const finite = z.number().refine((v) => Number.isFinite(v));
/** Schema of the trainer's bookkeeping in a checkpoint (`metadata.trainer`). */
export const trainerMetadataSchema = z.object({
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
  best: z.object({ accuracy: finite, epoch: z.number().int().min(0), step: z.number().int().min(0) }).optional(),
});

/** The error `Trainer.resume` throws for a checkpoint without the trainer's bookkeeping. */
export function notTrainerCheckpoint(path: string): CheckpointError {
  return new CheckpointError(
    'mismatch',
    path,
    `Cannot resume from checkpoint ${path}: it was not written by Trainer.saveCheckpoint (it lacks the ` +
      "trainer's bookkeeping in metadata.trainer). Load its weights with loadCheckpoint + restoreCheckpoint " +
      'and start a new run instead.',
  );
}

export type { BestCheckpointRecord, FitResult } from './fit-result';
