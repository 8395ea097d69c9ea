// Every model x data set the playground offers builds from the registry with the playground's
// overrides and maps a batch of generated images to logits of the data set's classes (the page's
// Chromium test trains only AiT on Triangle).
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { applyModel, initBackend } from '@ait/core';
import { assembleBatch, orientedBarsDataset, sortOfClevrDataset, triangleDataset, type RandomAccessDataset } from '@ait/datasets';
import { createModel } from '@ait/vision';
import { DEFAULT_SETTINGS, modelOverrides, PLAYGROUND_DATASETS, PLAYGROUND_MODELS, type PlaygroundDataset, type PlaygroundModel } from '../.vitepress/theme/playground/setups';

const data: Record<PlaygroundDataset, () => RandomAccessDataset> = {
  triangle: () => triangleDataset({ size: 2 }),
  bars: () => orientedBarsDataset({ size: 2 }),
  'sort-of-clevr': () => sortOfClevrDataset({ images: 1 }) as RandomAccessDataset,
};

const combos = (Object.keys(PLAYGROUND_MODELS) as PlaygroundModel[]).flatMap((model) =>
  (Object.keys(PLAYGROUND_DATASETS) as PlaygroundDataset[]).map((dataset): [PlaygroundModel, PlaygroundDataset] => [model, dataset]),
);

describe('the playground models on its data sets', () => {
  it.each(combos)('%s on %s', async (model, dataset) => {
    await initBackend({ backend: 'wasm', wasmThreads: 1 });
    const settings = { ...DEFAULT_SETTINGS, model, dataset };
    const spec = PLAYGROUND_DATASETS[dataset];
    if (spec.question > 0 && !PLAYGROUND_MODELS[model].questions) {
      expect(() => modelOverrides(settings)).toThrow(/has no question input; Sort-of-CLEVR needs AiT/);
      return;
    }
    const set = data[dataset]();
    expect(set.imageShape).toEqual([spec.imageSize, spec.imageSize, spec.channels]);
    expect(set.numClasses).toBe(spec.classes);
    const net = createModel(PLAYGROUND_MODELS[model].preset, modelOverrides(settings));
    const batch = assembleBatch([set.get(0), set.get(1)], set, set.normalization);
    const logits = tf.tidy(() => applyModel(net, batch.x, false));
    expect(logits.shape).toEqual([2, spec.classes]);
    expect(Array.from(await logits.data()).every(Number.isFinite)).toBe(true);
    tf.dispose([logits, batch.y, ...(Array.isArray(batch.x) ? batch.x : [batch.x])]);
    net.dispose();
  }, 60_000);
});
