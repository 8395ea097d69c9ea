import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { applyModel, createForwardContext, discardStateUpdates, releaseAuxLosses, runWithForwardContext } from '@ait/core';

/**
 * Class probabilities of one inference pass: `softmax(model(x))` with the model in inference mode
 * (dropout off) and every state update it schedules (AiT's memory EMA) discarded, so the model is
 * left as it was and the answer does not depend on earlier calls.
 *
 * @param x images `[batch, height, width, channels]` (normalised), or `[images, ...extra inputs]`
 * @returns one row of probabilities `[classes]` per example
 */
export async function inferProbabilities(model: tfl.layers.Layer, x: tf.Tensor | tf.Tensor[]): Promise<Float32Array[]> {
  const ctx = createForwardContext(false);
  try {
    const probs = tf.tidy(() => runWithForwardContext(ctx, () => tf.softmax(applyModel(model, x, false))));
    const values = (await probs.data()) as Float32Array;
    const [batch, classes] = probs.shape as [number, number];
    probs.dispose();
    return Array.from({ length: batch }, (_, i) => values.slice(i * classes, (i + 1) * classes));
  } finally {
    releaseAuxLosses(ctx);
    discardStateUpdates(ctx);
  }
}
