import { tensorBatchSource } from '@ait/core';
import { createModel } from '@ait/vision';
import { seededImages, trainScenario, type ScenarioBackend, type ScenarioResult } from './scenario';

/**
 * @ait/vision: the registry's CPU-size AiT (`ait-tiny`: bottleneck attention, priors memory,
 * Hopfield read, balance loss) for 16 x 16 grey images, 2 epochs on 24 seeded images.
 */
export function visionAit(backend: ScenarioBackend): Promise<ScenarioResult> {
  return trainScenario(
    'vision',
    backend,
    () => {
      const model = createModel('ait-tiny', { channels: 1, classes: 3 });
      model.build([null, 16, 16, 1]);
      return model;
    },
    () => {
      const data = seededImages(24, 16, 3, 3);
      return tensorBatchSource(data.x, data.y, { batchSize: 8 });
    },
    2,
  );
}
