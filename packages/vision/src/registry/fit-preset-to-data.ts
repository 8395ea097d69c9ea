import { convStemOutputSize } from '@ait/core';
import type { ModelInfo } from './model-registry';

/**
 * What fitting a preset reads of a data set: a `DatasetInfo` of `@ait/datasets` fits, and so does
 * any object with these fields.
 */
export interface DataShape {
  /** Name of the data set, for messages. */
  readonly name: string;
  /** `[height, width, channels]` of every image. */
  readonly imageShape: readonly [number, number, number];
  /** Number of classes. */
  readonly numClasses: number;
  /** Model inputs beside the image (Sort-of-CLEVR: `{ name: 'question', shape: [18] }`). */
  readonly extraInputs: readonly { readonly name: string; readonly shape: readonly number[] }[];
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/**
 * The patch size that cuts a `side`-pixel image (after `stages` stem stages) into the preset's
 * grid of patches (`presetSize / presetPatch` per side, also after the stem), or, when that is
 * not a whole number, the divisor of the side (smaller than the side) closest to it.
 */
function fittedPatchSize(side: number, presetSize: number, presetPatch: number, stages: number): number {
  const wanted = side / (convStemOutputSize(presetSize, stages) / presetPatch);
  if (Number.isInteger(wanted)) return wanted;
  const candidates = side > 1 ? divisors(side).filter((p) => p < side) : [1];
  return candidates.reduce((best, p) => (Math.abs(p - wanted) < Math.abs(best - wanted) ? p : best), candidates[0] ?? 1);
}

/** The model families with a question-token variant (`questionDim`), the ones that take Sort-of-CLEVR. */
export const QUESTION_TOKEN_FAMILIES: readonly string[] = ['ait', 'vit'];

/**
 * The config overrides that fit a registered preset to a data set, the rule `ait train` and the
 * docs playground follow: `classes`, `channels` and `imageSize` from the data, and a `patchSize`
 * that keeps the preset's grid of patches (e.g. ait-tiny's 4 x 4 patches of a 16-pixel image become
 * 16-pixel patches of a 64-pixel Triangle image), or the divisor of the image side closest to it
 * (with a convolutional stem: of the stem's output side). Only keys the preset has are set, except
 * `questionDim` for data sets with a question input (Sort-of-CLEVR), which the families of
 * {@link QUESTION_TOKEN_FAMILIES} (AiT, ViT) take.
 *
 * Throws an Error for images that are not square (when the preset has an `imageSize`), smaller
 * than the preset's convolutional stem reduces to one pixel, or with a question input for a
 * family that takes none.
 *
 * @example
 * ```ts
 * import { createModel, fitPresetToData, listModels } from '@ait/vision';
 *
 * // a data set of @ait/datasets fits here, or any object with these fields
 * const triangle = { name: 'triangle', imageShape: [64, 64, 1], numClasses: 2, extraInputs: [] } as const;
 * const overrides = fitPresetToData(listModels().find((m) => m.name === 'ait-tiny')!, triangle);
 * // { classes: 2, channels: 1, imageSize: 64, patchSize: 16 }
 * const model = createModel('ait-tiny', overrides);
 * ```
 */
export function fitPresetToData(preset: Pick<ModelInfo, 'name' | 'family' | 'defaults'>, data: DataShape): Record<string, unknown> {
  const [h, w, c] = data.imageShape;
  const d = preset.defaults;
  const out: Record<string, unknown> = {};
  if ('classes' in d) out.classes = data.numClasses;
  const question = data.extraInputs.find((e) => e.name === 'question');
  if (question) {
    if (!QUESTION_TOKEN_FAMILIES.includes(preset.family)) {
      throw new Error(
        `Model "${preset.name}" (family ${preset.family}) takes no question input, but every example of ${data.name} is a question ` +
          `about its image. Choose a model of a family that reads the question as a token: ${QUESTION_TOKEN_FAMILIES.join(' or ')} ` +
          '(e.g. ait-tiny-conv, vit-tiny).',
      );
    }
    out.questionDim = question.shape[0];
  }
  if ('channels' in d) out.channels = c;
  if (!('imageSize' in d)) return out;
  if (h !== w) throw new Error(`Model "${preset.name}" takes square images, but data set ${data.name} has ${h} x ${w} images.`);
  out.imageSize = h;
  const size = Number(d.imageSize);
  const patch = Number(d.patchSize);
  if ('patchSize' in d && Number.isInteger(size) && Number.isInteger(patch) && patch > 0) {
    // a convolutional stem shrinks the image before the patches are cut
    const stages = Array.isArray(d.convStem) ? d.convStem.length : 0;
    const side = convStemOutputSize(h, stages);
    if (side < 1) {
      throw new Error(`Model "${preset.name}" needs images of at least ${2 ** stages} pixels; data set ${data.name} has ${h}.`);
    }
    out.patchSize = fittedPatchSize(side, size, patch, stages);
  }
  return out;
}
