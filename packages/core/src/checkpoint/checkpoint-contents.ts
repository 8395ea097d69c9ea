import type * as tf from '@tensorflow/tfjs-core';
import type { RandomState } from '../random/seeded-random';
import type { AdamWConfig } from '../training/adamw';

/**
 * Where a training run stands. `step` counts optimiser steps completed since the start of the
 * run, `epoch` is the 0-based epoch in progress and `stepInEpoch` the batches of that epoch
 * already trained on (0 at an epoch boundary).
 */
export interface TrainingPosition {
  readonly epoch: number;
  readonly step: number;
  readonly stepInEpoch: number;
}

/** Optimiser state stored in a checkpoint. */
export interface CheckpointOptimizerState {
  /** Optimiser family; only AdamW today. */
  readonly type: 'adamw';
  /** Steps the optimiser has taken (its bias-correction `t`). */
  readonly iterations: number;
  /** Hyper-parameters at save time (informational; a resumed run uses its own optimiser's config). */
  readonly config: Required<Omit<AdamWConfig, 'decayFilter' | 'inPlace'>>;
  /** First / second moments per parameter name, each of the parameter's shape. */
  readonly moments: Record<string, { m: tf.Tensor; v: tf.Tensor }>;
}

/**
 * Everything a checkpoint holds. The tensors belong to whoever holds the contents: dispose them
 * with {@link disposeCheckpoint} once they have been saved or restored.
 */
export interface CheckpointContents {
  /** Any JSON-serialisable value given by the caller, typically the model config. */
  readonly config: unknown;
  /** Position of the run when the checkpoint was taken. */
  readonly position: TrainingPosition;
  /** Named random-stream states, e.g. `global` (init / dropout) and `data` (shuffling). */
  readonly rng: Record<string, RandomState>;
  /** Optimiser state, or `null` for a weights-only checkpoint. */
  readonly optimizer: CheckpointOptimizerState | null;
  /** Every weight of the model (trainable and non-trainable), keyed by its stable `originalName`. */
  readonly weights: Record<string, tf.Tensor>;
  /** Free-form JSON-serialisable metadata (metrics, trainer bookkeeping, ...). */
  readonly metadata: Record<string, unknown>;
}

/** Facts about a checkpoint file that `loadCheckpoint` adds to its contents. */
export interface CheckpointFileInfo {
  /** The file that was read. */
  readonly path: string;
  /** Its format version. */
  readonly formatVersion: number;
  /** Version of `@ait/core` that wrote it. */
  readonly libraryVersion: string;
  /** ISO-8601 time of writing. */
  readonly createdAt: string;
  /** File size in bytes. */
  readonly bytes: number;
  /** Hex SHA-256 stored in (and verified against) the file. */
  readonly sha256: string;
}

/** Contents read back from a file, plus facts about the file. */
export interface LoadedCheckpoint extends CheckpointContents {
  readonly info: CheckpointFileInfo;
}

/** Disposes every tensor of checkpoint contents (weights and optimiser moments). Safe to call twice. */
export function disposeCheckpoint(contents: CheckpointContents): void {
  for (const t of Object.values(contents.weights)) if (!t.isDisposed) t.dispose();
  if (contents.optimizer) {
    for (const { m, v } of Object.values(contents.optimizer.moments)) {
      if (!m.isDisposed) m.dispose();
      if (!v.isDisposed) v.dispose();
    }
  }
}
