import * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { SeededRandom, type RandomState } from '../random/seeded-random';
import type { AdamW } from '../training/adamw';
import type { CheckpointContents, TrainingPosition } from './checkpoint-contents';
import { namedWeights } from './named-weights';

/** What {@link captureCheckpoint} reads. */
export interface CaptureCheckpointOptions {
  /** A built layer or model; all its weights are captured, non-trainable ones included. */
  model: layers.Layer;
  /** Optimiser whose moments and step count are captured; omit for a weights-only checkpoint. */
  optimizer?: AdamW | null;
  /** Random streams (or their states) to record, e.g. `{ global: globalRng(), data: dataRng }`. */
  rngs?: Record<string, SeededRandom | RandomState>;
  /** Position of the run; default epoch 0, step 0. */
  position?: TrainingPosition;
  /** JSON-serialisable config to store, e.g. the model config. */
  config?: unknown;
  /** JSON-serialisable metadata (metrics, notes). */
  metadata?: Record<string, unknown>;
}

/**
 * Takes a snapshot of a model (every weight, by stable name), an optimiser and random streams as
 * {@link CheckpointContents}, ready for `saveCheckpoint`. The tensors are copies the caller owns
 * (cheap: they share memory with the variables until those change); dispose them with
 * `disposeCheckpoint` after saving.
 */
export function captureCheckpoint(options: CaptureCheckpointOptions): CheckpointContents {
  const byName = namedWeights(options.model);
  const weights: Record<string, tf.Tensor> = {};
  for (const [name, w] of byName) weights[name] = tf.clone(w.read());

  const rng: Record<string, RandomState> = {};
  for (const [name, r] of Object.entries(options.rngs ?? {})) rng[name] = r instanceof SeededRandom ? r.getState() : { ...r };

  let optimizer: CheckpointContents['optimizer'] = null;
  if (options.optimizer) {
    const state = options.optimizer.getState();
    const moments: Record<string, { m: tf.Tensor; v: tf.Tensor }> = {};
    for (const [name, { m, v }] of Object.entries(state.moments)) moments[name] = { m: tf.clone(m), v: tf.clone(v) };
    optimizer = { type: 'adamw', iterations: state.iterations, config: options.optimizer.config, moments };
  }

  const position = options.position ?? { epoch: 0, step: 0, stepInEpoch: 0 };
  return {
    config: options.config ?? null,
    position: { epoch: position.epoch, step: position.step, stepInEpoch: position.stepInEpoch },
    rng,
    optimizer,
    weights,
    metadata: options.metadata ?? {},
  };
}
