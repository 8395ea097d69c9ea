// The registry's CPU-size presets fitted to a generated data set with @ait/vision's
// fitPresetToData, the rule `ait train` follows too.
import type { DatasetInfo } from '@ait/datasets';
import { fitPresetToData, listModels, type ModelInfo } from '@ait/vision';
import { PLAYGROUND_MODELS, type PlaygroundModel, type PlaygroundSettings, type PresetDefaults } from './setups';

export { fitPresetToData };

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

/**
 * The overrides of a playground run: the preset fitted to the data, and the run's k and number of
 * memory slots where the model has them. Throws for a model without a question input on
 * Sort-of-CLEVR.
 */
export function playgroundOverrides(settings: PlaygroundSettings, data: DatasetInfo): Record<string, unknown> {
  const model = PLAYGROUND_MODELS[settings.model];
  if (data.extraInputs.length > 0 && !model.questions) {
    throw new Error(`${model.label} has no question input; Sort-of-CLEVR needs AiT or ViT.`);
  }
  const out: Record<string, unknown> = fitPresetToData(presetOf(settings.model), data);
  if (model.topK) out[model.topK] = settings.topK;
  if (model.slots) out[model.slots] = settings.memorySlots;
  return out;
}
