import * as tfl from '@tensorflow/tfjs-layers';
import { Dense, tensorBatchSource } from '@ait/core';
import { HopfieldPooling } from '@ait/hopfield';
import * as tf from '@tensorflow/tfjs-core';
import { seededImages, trainScenario, type ScenarioBackend, type ScenarioResult } from './scenario';

/**
 * @ait/hopfield in a user's tfjs model: rows of 24 seeded 16 x 16 images are bags of 16 vectors,
 * pooled by a `HopfieldPooling` layer (2 heads) into one vector and classified by a dense head,
 * 2 epochs.
 */
export function hopfieldPooling(backend: ScenarioBackend): Promise<ScenarioResult> {
  return trainScenario(
    'hopfield',
    backend,
    () =>
      tfl.sequential({
        layers: [new HopfieldPooling({ inputShape: [16, 16], numHeads: 2, scaling: 0.5 }), new Dense({ units: 3 })],
      }),
    () => {
      const data = seededImages(24, 16, 3, 2);
      return tensorBatchSource(tf.reshape(data.x, [24, 16, 16]), data.y, { batchSize: 8 });
    },
    2,
  );
}
