// Trains a model on one small fixed batch until it classifies every example correctly.
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, accuracy, parameterRefs } from '@ait/core';
import type { VisionModel } from '../../src/index';
import { crossEntropyStep } from './train-step';

/** Result of {@link overfitBatch}. */
export interface OverfitResult {
  /** Training accuracy (evaluation mode) after the last step, in [0, 1]. */
  accuracy: number;
  /** Optimiser steps taken. */
  steps: number;
  /** Training accuracy before the first step. */
  initialAccuracy: number;
}

/**
 * AdamW steps on the batch `(x, y)` until the model's evaluation-mode predictions are all correct
 * (checked every `checkEvery` steps) or `maxSteps` steps are done.
 */
export async function overfitBatch(
  model: VisionModel,
  x: tf.Tensor | tf.Tensor[],
  y: tf.Tensor,
  options: { learningRate?: number; maxSteps?: number; checkEvery?: number } = {},
): Promise<OverfitResult> {
  const maxSteps = options.maxSteps ?? 150;
  const checkEvery = options.checkEvery ?? 5;
  (model.apply(x) as tf.Tensor).dispose(); // build
  const optimizer = new AdamW({ learningRate: options.learningRate ?? 3e-3, weightDecay: 0 });
  const params = parameterRefs(model);
  const trainAccuracy = (): number => tf.tidy(() => accuracy(model.apply(x, { training: false }) as tf.Tensor, y).dataSync()[0] as number);
  const initialAccuracy = trainAccuracy();
  let acc = initialAccuracy;
  let steps = 0;
  while (steps < maxSteps) {
    await crossEntropyStep(model, optimizer, { x, y }, steps, params);
    steps += 1;
    if (steps % checkEvery === 0) {
      acc = trainAccuracy();
      if (acc === 1) break;
    }
  }
  optimizer.dispose();
  return { accuracy: acc, steps, initialAccuracy };
}
