import * as tfl from '@tensorflow/tfjs-layers';
import { Dense, LayerNorm, MultiHeadAttention, PatchEmbedding, tensorBatchSource } from '@ait/core';
import { seededImages, trainScenario, type ScenarioBackend, type ScenarioResult } from './scenario';

/**
 * @ait/core alone: patch embedding, layer norm, multi-head self-attention and a dense head (the
 * library's layers in a plain tfjs sequential model) trained 2 epochs on 24 seeded 16 x 16 images.
 */
export function coreTransformer(backend: ScenarioBackend): Promise<ScenarioResult> {
  return trainScenario(
    'core',
    backend,
    () =>
      tfl.sequential({
        layers: [
          new PatchEmbedding({ patchSize: 4, embedDim: 16, inputShape: [16, 16, 1] }),
          new LayerNorm({}),
          new MultiHeadAttention({ numHeads: 2 }),
          tfl.layers.globalAveragePooling1d({}),
          new Dense({ units: 3 }),
        ],
      }),
    () => {
      const data = seededImages(24, 16, 3, 1);
      return tensorBatchSource(data.x, data.y, { batchSize: 8 });
    },
    2,
  );
}
