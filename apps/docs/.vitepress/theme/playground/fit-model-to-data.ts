// The registry's CPU-size presets fitted to a generated data set, as `ait train` fits them (its
// fitPresetToData lives in @ait/cli, which is Node-only, so the same rule is kept here).
import { convStemOutputSize } from '@ait/core';
import type { DatasetInfo } from '@ait/datasets';
import { listModels, type ModelInfo } from '@ait/vision';
import { PLAYGROUND_MODELS, type PlaygroundModel, type PlaygroundSettings, type PresetDefaults } from './setups';

/** The peak learning rate of `ait train`'s CPU recipe, for presets without a tuned recipe of their own. */
export const CPU_RECIPE_LEARNING_RATE = 1e-3;

/** The CPU-size preset of a playground model; throws if the registry has no such preset. */
export function presetOf(model: PlaygroundModel): ModelInfo {
  const name = PLAYGROUND_MODELS[model].preset;
  const info = listModels({ scale: 'cpu' }).find((m) => m.name === name);
  if (!info) throw new Error(`The @ait/vision registry has no CPU-size preset ${name}.`);
  return info;
}

/** The controls' defaults for every playground model, read from the registry. */
export function presetDefaults(): Record<PlaygroundModel, PresetDefaults> {
  const out = {} as Record<PlaygroundModel, PresetDefaults>;
  for (const model of Object.keys(PLAYGROUND_MODELS) as PlaygroundModel[]) {
    const info = presetOf(model);
    const keys = PLAYGROUND_MODELS[model];
    const topK = keys.topK ? Number(info.defaults[keys.topK]) : undefined;
    const slots = keys.slots ? Number(info.defaults[keys.slots]) : undefined;
    out[model] = {
      preset: info.name,
      description: info.description,
      learningRate: info.recipe?.lr ?? CPU_RECIPE_LEARNING_RATE,
      ...(topK !== undefined ? { topK } : {}),
      ...(slots !== undefined ? { slots } : {}),
    };
  }
  return out;
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/**
 * The config overrides that fit a preset to a data set, the rule of `ait train`: `imageSize`,
 * `channels` and `classes` from the data, a `patchSize` that keeps the preset's grid of patches
 * (after a convolutional stem: of the stem's output), or the divisor of the side closest to it,
 * and AiT's `questionDim` for data with a question input. Only keys the preset has are set.
 */
export function fitPresetToData(preset: ModelInfo, data: DatasetInfo): Record<string, unknown> {
  const [h, w, c] = data.imageShape;
  const d = preset.defaults;
  const out: Record<string, unknown> = {};
  if ('classes' in d) out.classes = data.numClasses;
  const question = data.extraInputs.find((e) => e.name === 'question');
  if (question && preset.family === 'ait') out.questionDim = question.shape[0];
  if ('channels' in d) out.channels = c;
  if ('imageSize' in d) {
    if (h !== w) throw new Error(`Model ${preset.name} takes square images, but ${data.name} has ${h} x ${w} images.`);
    out.imageSize = h;
    const size = Number(d.imageSize);
    const patch = Number(d.patchSize);
    const stages = Array.isArray(d.convStem) ? d.convStem.length : 0;
    if ('patchSize' in d && Number.isInteger(size) && Number.isInteger(patch) && patch > 0) {
      const side = convStemOutputSize(h, stages);
      if (side < 1) throw new Error(`Model ${preset.name} needs images of at least ${2 ** stages} pixels; ${data.name} has ${h}.`);
      const wanted = side / (convStemOutputSize(size, stages) / patch);
      const candidates = side > 1 ? divisors(side).filter((p) => p < side) : [1];
      out.patchSize = Number.isInteger(wanted)
        ? wanted
        : candidates.reduce((best, p) => (Math.abs(p - wanted) < Math.abs(best - wanted) ? p : best), candidates[0] ?? 1);
    }
  }
  return out;
}

/**
 * The overrides of a playground run: the preset fitted to the data, and the run's k and number of
 * memory slots where the model has them. Throws for a model without a question input on
 * Sort-of-CLEVR.
 */
export function playgroundOverrides(settings: PlaygroundSettings, data: DatasetInfo): Record<string, unknown> {
  const model = PLAYGROUND_MODELS[settings.model];
  if (data.extraInputs.length > 0 && !model.questions) {
    throw new Error(`${model.label} has no question input; Sort-of-CLEVR needs AiT.`);
  }
  const out: Record<string, unknown> = fitPresetToData(presetOf(settings.model), data);
  if (model.topK) out[model.topK] = settings.topK;
  if (model.slots) out[model.slots] = settings.memorySlots;
  return out;
}
