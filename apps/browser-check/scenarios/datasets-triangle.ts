import * as tfl from '@tensorflow/tfjs-layers';
import { Dense, LayerNorm, PatchEmbedding } from '@ait/core';
import { datasetBatchSource, triangleDataset } from '@ait/datasets';
import { trainScenario, type ScenarioBackend, type ScenarioResult } from './scenario';

/**
 * @ait/datasets: 32 generated 64 x 64 Triangle scenes (equilateral or not, drawn as point clusters)
 * through the data pipeline (seeded shuffle, the set's normalisation, batches of 8) into a tiny
 * model of @ait/core layers (8 x 8 patches, layer norm, mean over patches, dense head), 2 epochs.
 */
export function datasetsTriangle(backend: ScenarioBackend): Promise<ScenarioResult> {
  const triangles = triangleDataset({ size: 32, seed: 5 });
  return trainScenario(
    'datasets',
    backend,
    () =>
      tfl.sequential({
        layers: [
          new PatchEmbedding({ patchSize: 8, embedDim: 16, inputShape: [64, 64, 1] }),
          new LayerNorm({}),
          tfl.layers.globalAveragePooling1d({}),
          new Dense({ units: 2 }),
        ],
      }),
    () => datasetBatchSource(triangles, { batchSize: 8 }),
    2,
  );
}
