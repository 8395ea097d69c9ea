import * as tf from '@tensorflow/tfjs-core';
import { createForwardContext, discardStateUpdates, releaseAuxLosses, runWithForwardContext } from '@ait/core';
import type { VisionModel } from '../models/vision-model';
import type { DataShape } from './fit-preset-to-data';

/**
 * Builds a model's weights for a data set by one inference pass on zeros: images
 * `[1, height, width, channels]` plus a zero batch of each extra input (the question of
 * Sort-of-CLEVR). The pass runs inside a forward context whose state updates are discarded, so
 * building changes no buffer (AiT's memory priors keep their initial values), and the model is
 * built as the Trainer builds it (weight names get the model's scope). A model built this way can
 * be disposed. Used by `ait train` and the docs playground.
 */
export function buildModelForData(model: VisionModel, data: Pick<DataShape, 'imageShape' | 'extraInputs'>): void {
  const ctx = createForwardContext(false);
  try {
    tf.tidy(() => {
      const image = tf.zeros([1, ...data.imageShape]);
      const x = data.extraInputs.length > 0 ? [image, ...data.extraInputs.map((e) => tf.zeros([1, ...e.shape]))] : image;
      runWithForwardContext(ctx, () => model.apply(x, { training: false }));
    });
  } finally {
    releaseAuxLosses(ctx);
    discardStateUpdates(ctx);
  }
}
