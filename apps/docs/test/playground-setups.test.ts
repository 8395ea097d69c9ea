// The playground's settings and how it fits the registry's presets to its generated data (the
// rule of `ait train`), without a browser.
import { describe, expect, it } from 'vitest';
import { listModels, QUESTION_TOKEN_FAMILIES } from '@ait/vision';
import {
  CPU_RECIPE_LEARNING_RATE,
  fitPresetToData,
  playgroundOverrides,
  presetDefaults,
  presetOf,
} from '../.vitepress/theme/playground/fit-model-to-data';
import { playgroundDataset } from '../.vitepress/theme/playground/training-session';
import {
  DEFAULT_SETTINGS,
  modelTakesDataset,
  PLAYGROUND_DATASETS,
  PLAYGROUND_MODELS,
  settingsProblems,
  type PlaygroundDataset,
  type PlaygroundModel,
} from '../.vitepress/theme/playground/setups';

const models = Object.keys(PLAYGROUND_MODELS) as PlaygroundModel[];
const datasets = Object.keys(PLAYGROUND_DATASETS) as PlaygroundDataset[];

describe('the playground settings', () => {
  it('offers CPU-size presets of the registry', () => {
    const cpu = new Set(listModels({ scale: 'cpu' }).map((m) => m.name));
    for (const m of models) expect(cpu.has(PLAYGROUND_MODELS[m].preset), m).toBe(true);
  });

  it('reads the controls defaults from the registry: the tuned recipe of ait-tiny-conv, the CPU recipe otherwise', () => {
    const d = presetDefaults();
    expect(d.ait).toMatchObject({ preset: 'ait-tiny-conv', learningRate: 2e-3, topK: 64, slots: 16 });
    expect(d.coordination).toMatchObject({ learningRate: CPU_RECIPE_LEARNING_RATE, topK: 4, slots: 4 });
    expect(d.vit.topK).toBeUndefined();
    expect(d.mixer.slots).toBeUndefined();
    expect(DEFAULT_SETTINGS).toMatchObject({ learningRate: d.ait.learningRate, topK: d.ait.topK, memorySlots: d.ait.slots });
  });

  it('describes each data set as the generator makes it', () => {
    for (const dataset of datasets) {
      const set = playgroundDataset({ ...DEFAULT_SETTINGS, dataset, trainSize: 30, testSize: 30 }, 'test');
      const spec = PLAYGROUND_DATASETS[dataset];
      expect(set.imageShape, dataset).toEqual([spec.imageSize, spec.imageSize, spec.channels]);
      expect(set.numClasses, dataset).toBe(spec.classes);
      expect(
        set.extraInputs.map((e) => e.shape[0]),
        dataset,
      ).toEqual(spec.question ? [spec.question] : []);
    }
  });

  it('fits patch sizes as ait train does: the preset grid, after the convolutional stem, or the nearest divisor', () => {
    const patch = (model: PlaygroundModel, dataset: PlaygroundDataset): unknown =>
      fitPresetToData(presetOf(model), playgroundDataset({ ...DEFAULT_SETTINGS, dataset, trainSize: 30, testSize: 30 }, 'test')).patchSize;
    expect(patch('ait', 'triangle')).toBe(2); // 64 -> stem 16 -> 8 x 8 patches of 2
    expect(patch('ait', 'bars')).toBe(1); // 32 -> stem 8 -> 8 x 8 patches of 1
    expect(patch('ait', 'sort-of-clevr')).toBe(2); // 75 -> stem 18 -> 2.25 wanted, nearest divisor 2
    expect(patch('vit', 'triangle')).toBe(16); // 4 x 4 patches of a 64-pixel image
    expect(patch('vit', 'sort-of-clevr')).toBe(15); // 75 / 4 = 18.75 wanted, nearest divisor 15
  });

  it('sets k and the memory slots under each model own config keys, and refuses questions to models without a question input', () => {
    const triangle = playgroundDataset({ ...DEFAULT_SETTINGS, trainSize: 30, testSize: 30 }, 'test');
    expect(playgroundOverrides({ ...DEFAULT_SETTINGS, topK: 7, memorySlots: 5 }, triangle)).toMatchObject({
      topK: 7,
      memorySlots: 5,
      imageSize: 64,
      channels: 1,
      classes: 2,
    });
    expect(playgroundOverrides({ ...DEFAULT_SETTINGS, model: 'coordination', topK: 3, memorySlots: 6 }, triangle)).toMatchObject({
      topK: 3,
      slots: 6,
    });
    expect(playgroundOverrides({ ...DEFAULT_SETTINGS, model: 'vit', topK: 3 }, triangle)).not.toHaveProperty('topK');
    const clevr = playgroundDataset({ ...DEFAULT_SETTINGS, dataset: 'sort-of-clevr', trainSize: 30, testSize: 30 }, 'test');
    expect(playgroundOverrides({ ...DEFAULT_SETTINGS, dataset: 'sort-of-clevr' }, clevr)).toMatchObject({ questionDim: 18 });
    expect(playgroundOverrides({ ...DEFAULT_SETTINGS, model: 'vit', dataset: 'sort-of-clevr' }, clevr)).toMatchObject({ questionDim: 18 });
    expect(() => playgroundOverrides({ ...DEFAULT_SETTINGS, model: 'coordination', dataset: 'sort-of-clevr' }, clevr)).toThrow(
      /has no question input; Sort-of-CLEVR needs AiT or ViT/,
    );
    expect(modelTakesDataset('coordination', 'sort-of-clevr')).toBe(false);
    // the page's flags (it loads no library) agree with the registry's families with a question token
    for (const [name, m] of Object.entries(PLAYGROUND_MODELS)) {
      expect(m.questions, name).toBe(QUESTION_TOKEN_FAMILIES.includes(presetOf(name as PlaygroundModel).family));
    }
    expect(modelTakesDataset('vit', 'sort-of-clevr')).toBe(true);
    expect(modelTakesDataset('ait', 'sort-of-clevr')).toBe(true);
  });

  it('names the problems of settings the page must not start', () => {
    expect(settingsProblems(DEFAULT_SETTINGS)).toEqual([]);
    expect(settingsProblems({ ...DEFAULT_SETTINGS, topK: 0, memorySlots: 2.5, learningRate: 0 })).toEqual([
      'k must be a whole number from 1 to 100000.',
      'priors must be a whole number from 1 to 256.',
      'the learning rate must be above 0 and below 1.',
    ]);
    // k and slots of a model that has none do not matter
    expect(settingsProblems({ ...DEFAULT_SETTINGS, model: 'vit', topK: 0 })).toEqual([]);
    expect(settingsProblems({ ...DEFAULT_SETTINGS, model: 'mixer', dataset: 'sort-of-clevr' })[0]).toMatch(
      /Sort-of-CLEVR needs AiT or ViT/,
    );
  });
});
