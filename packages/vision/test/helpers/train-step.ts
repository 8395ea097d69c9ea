// One training step as the Trainer takes it, for tests that train a model by hand.
import type * as tf from '@tensorflow/tfjs-core';
import { crossEntropy, parameterRefs, trainStep, type AdamW, type ParameterRef } from '@ait/core';
import type { VisionModel } from '../../src/index';

/**
 * One step of `optimizer` on the cross-entropy of `model` for the batch `(x, y)`, numbered `step`
 * (epoch 0), through `@ait/core`'s `trainStep` (auxiliary losses and state updates included).
 * `params` defaults to all of the model's trainable weights.
 */
export function crossEntropyStep(
  model: VisionModel,
  optimizer: AdamW,
  batch: { x: tf.Tensor | tf.Tensor[]; y: tf.Tensor },
  step = 0,
  params: ParameterRef[] = parameterRefs(model),
): ReturnType<typeof trainStep> {
  return trainStep({ model, params, optimizer, batch, loss: (o, t) => crossEntropy(o, t), epoch: 0, step, stepInEpoch: step });
}
