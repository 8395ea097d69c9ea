import type { ParameterCount } from '@ait/core';
import type { VisionModel } from '../models/vision-model';
import { familyWeights } from './family-parameter-formulas';
import { createModel } from './model-registry';

/** A parameter count made without building the model, and the input it is counted for. */
export interface PresetParameterCount extends ParameterCount {
  /**
   * The images `[side, side, channels]` the count is for: the config's `imageSize` and `channels`,
   * or 32 and 3 where the config leaves them open (`null`). Models whose weights depend on the
   * number of tokens (flatten heads, learned positions, MLP-Mixer, AFT-full) have other counts
   * for other image sizes.
   */
  readonly imageShape: readonly [number, number, number];
}

/**
 * The parameters `model` will have once built, counted from its validated config alone: no weight
 * is created, so a 90 M-parameter preset is counted in microseconds instead of the seconds its
 * initialisers take. The split matches `countParameters` of the built model (`trainable`, and
 * `nonTrainable` buffers such as AiT's EMA priors). `null` when the model's class has no formula
 * (a model family registered outside `@ait/vision`): build it and use `countParameters` instead.
 * `model` may be built or not; it is only read.
 */
export function modelParameterCount(model: VisionModel): PresetParameterCount | null {
  const weights = familyWeights(model);
  if (weights === null) return null;
  const { trainable, nonTrainable, image } = weights;
  return { trainable, nonTrainable, total: trainable + nonTrainable, imageShape: [image.side, image.side, image.channels] };
}

/**
 * The parameters of the preset `name` with `overrides` (validated as {@link createModel} does; a
 * bad override throws its `ConfigError`), counted without building it (see
 * {@link modelParameterCount}); `null` when the preset's family has no formula.
 *
 * @example
 * ```ts
 * import { presetParameterCount } from '@ait/vision';
 *
 * presetParameterCount('ait-base'); // { trainable: 90_894_442, nonTrainable: 12_288, total: 90_906_730, imageShape: [32, 32, 3] }
 * ```
 */
export function presetParameterCount(name: string, overrides: Record<string, unknown> = {}): PresetParameterCount | null {
  // An unbuilt model holds no tensors: only its config is read, so there is nothing to dispose.
  return modelParameterCount(createModel(name, overrides));
}
