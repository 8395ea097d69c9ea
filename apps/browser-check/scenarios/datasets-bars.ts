import { datasetBatchSource, orientedBarsDataset } from '@ait/datasets';
import { createModel } from '@ait/vision';
import { trainScenario, type ScenarioBackend, type ScenarioResult } from './scenario';

/**
 * @ait/datasets: 32 generated 16 x 16 oriented-bar images (4 classes) through the pipeline
 * (seeded shuffle, normalisation, batches of 8) into the registry's CPU-size ViT, 2 epochs.
 */
export function datasetsBars(backend: ScenarioBackend): Promise<ScenarioResult> {
  const bars = orientedBarsDataset({ size: 32, imageSize: 16, seed: 5 });
  return trainScenario(
    'datasets',
    backend,
    () => {
      const model = createModel('vit-tiny', { channels: 1, classes: 4 });
      model.build([null, 16, 16, 1]);
      return model;
    },
    () => datasetBatchSource(bars, { batchSize: 8 }),
    2,
  );
}
