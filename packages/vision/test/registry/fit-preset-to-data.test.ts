// fitPresetToData and buildModelForData: the one rule `ait train` and the docs playground use to
// fit a registered preset to a data set, and to build its weights without touching its buffers.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  buildModelForData,
  createModel,
  fitPresetToData,
  listModels,
  QUESTION_TOKEN_FAMILIES,
  type DataShape,
  type ModelInfo,
} from '../../src/index';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

function preset(name: string): ModelInfo {
  const info = listModels().find((m) => m.name === name);
  if (!info) throw new Error(`no preset ${name}`);
  return info;
}

function data(name: string, side: number, channels: number, classes: number, question = false): DataShape {
  return {
    name,
    imageShape: [side, side, channels],
    numClasses: classes,
    extraInputs: question ? [{ name: 'question', shape: [18] }] : [],
  };
}

describe('fitPresetToData', () => {
  it("takes classes, channels and size from the data and keeps a raw-patch preset's grid of patches", () => {
    // ait-tiny: 16 px with patch 4 (4 x 4 patches) -> 64 px Triangle with 16 px patches
    expect(fitPresetToData(preset('ait-tiny'), data('triangle', 64, 1, 2))).toEqual({
      classes: 2,
      channels: 1,
      imageSize: 64,
      patchSize: 16,
    });
  });

  it.each([
    // vit-mini: 32 px with patch 4 (8 x 8) -> 28 px MNIST: 3.5 wanted, the nearest divisor of 28 is 4
    ['vit-mini', 28, 4],
    // mlp-mixer-tiny: 16 px with patch 4 -> 75 px Sort-of-CLEVR: 18.75 wanted, nearest divisor 15
    ['mlp-mixer-tiny', 75, 15],
    // ait-tiny-conv cuts the stem's output: 64 -> 16, 8 x 8 patches of 2; 28 -> 7, the nearest divisor of 7 to 7/8; 32 -> 8
    ['ait-tiny-conv', 64, 2],
    ['ait-tiny-conv', 28, 1],
    ['ait-tiny-conv', 32, 1],
  ] as const)('%s on %d px images gets patch size %d', (name, side, patch) => {
    expect(fitPresetToData(preset(name), data('images', side, 3, 10)).patchSize).toBe(patch);
  });

  it('sets questionDim for data with a question input on AiT and ViT, and refuses the families without a question token', () => {
    const clevr = data('sort-of-clevr', 75, 3, 10, true);
    expect(fitPresetToData(preset('ait-tiny'), clevr).questionDim).toBe(18);
    expect(fitPresetToData(preset('vit-tiny'), clevr).questionDim).toBe(18);
    expect(fitPresetToData(preset('vit-tiny'), data('triangle', 64, 1, 2))).not.toHaveProperty('questionDim');
    expect(QUESTION_TOKEN_FAMILIES).toEqual(['ait', 'vit']);
    const others = [...new Set(listModels({ scale: 'cpu' }).map((m) => m.family))].filter((f) => !QUESTION_TOKEN_FAMILIES.includes(f));
    expect(others.length).toBeGreaterThan(4);
    for (const family of others) {
      const info = listModels({ family, scale: 'cpu' })[0] as ModelInfo;
      expect(() => fitPresetToData(info, clevr), family).toThrow(
        new RegExp(
          `"${info.name}" \\(family ${family}\\) takes no question input.*Choose a model of a family that reads the question as a token: ait or vit`,
        ),
      );
    }
  });

  it('refuses images that are not square, or smaller than the stem reduces to a pixel', () => {
    const wide: DataShape = { name: 'wide', imageShape: [16, 32, 3], numClasses: 2, extraInputs: [] };
    expect(() => fitPresetToData(preset('vit-tiny'), wide)).toThrow(/"vit-tiny" takes square images, but data set wide has 16 x 32/);
    expect(() => fitPresetToData(preset('ait-tiny-conv'), data('tiny', 3, 1, 2))).toThrow(
      /needs images of at least 4 pixels; data set tiny has 3/,
    );
  });

  it('gives overrides every tiny preset accepts and builds for', () => {
    const triangle = data('triangle', 64, 1, 2);
    for (const info of listModels({ scale: 'cpu' }).filter((m) => /-tiny(-|$)/.test(m.name))) {
      const model = createModel(info.name, fitPresetToData(info, triangle));
      buildModelForData(model, triangle);
      expect(model.built, info.name).toBe(true);
      model.dispose();
    }
  });
});

describe('buildModelForData', () => {
  it("builds the weights without changing AiT's memory priors, and the model disposes cleanly", () => {
    const before = tf.memory().numTensors;
    const d = data('sort-of-clevr', 16, 3, 10, true);
    const model = createModel('ait-tiny', { ...fitPresetToData(preset('ait-tiny'), d), recordMaps: false });
    buildModelForData(model, d);
    expect(model.built).toBe(true);
    const priors = model.nonTrainableWeights.map((w) => w.read().dataSync().slice());
    buildModelForData(model, d);
    expect(model.nonTrainableWeights.map((w) => w.read().dataSync().slice())).toEqual(priors);
    expect(model.weights.every((w) => w.originalName.startsWith('ait/'))).toBe(true);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
