import * as tf from '@tensorflow/tfjs-core';
import { convStemOutputSize, createForwardContext, discardStateUpdates, releaseAuxLosses, runWithForwardContext } from '@ait/core';
import type { DatasetInfo } from '@ait/datasets';
import { createModel, listModels, type ModelInfo, type VisionModel } from '@ait/vision';
import { CliError } from './cli-error';

/** Finds a registered preset or throws a {@link CliError} listing the registered ones. */
export function findPreset(name: string): ModelInfo {
  const all = listModels();
  const info = all.find((m) => m.name === name);
  if (!info) {
    throw new CliError(`Unknown model "${name}". Choose one of: ${all.map((m) => m.name).join(', ')} (see \`ait models\`).`, 2);
  }
  return info;
}

function divisors(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1).filter((d) => n % d === 0);
}

/**
 * The config overrides that fit a preset to a data set: `imageSize`, `channels` and `classes`
 * from the data, and a `patchSize` that keeps the preset's grid of patches (e.g. ait-tiny's
 * 4 x 4 patches of a 16-pixel image become 16-pixel patches of a 64-pixel Triangle image), or
 * the divisor of the image side closest to it (with a convolutional stem: of the stem's output
 * side). Only keys the preset has are set, except AiT's `questionDim` for data sets with a
 * question input (Sort-of-CLEVR).
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
    if (h !== w) {
      throw new CliError(`Model "${preset.name}" takes square images, but data set ${data.name} has ${h} x ${w} images.`, 2);
    }
    out.imageSize = h;
    const size = Number(d.imageSize);
    const patch = Number(d.patchSize);
    const stages = Array.isArray(d.convStem) ? d.convStem.length : 0;
    if ('patchSize' in d && Number.isInteger(size) && Number.isInteger(patch) && patch > 0) {
      // a convolutional stem shrinks the image before the patches are cut
      const side = convStemOutputSize(h, stages);
      if (side < 1) {
        throw new CliError(`Model "${preset.name}" needs images of at least ${2 ** stages} pixels; data set ${data.name} has ${h}.`, 2);
      }
      const grid = convStemOutputSize(size, stages) / patch;
      const wanted = side / grid;
      const candidates = side > 1 ? divisors(side).filter((p) => p < side) : [1];
      out.patchSize = Number.isInteger(wanted)
        ? wanted
        : candidates.reduce((best, p) => (Math.abs(p - wanted) < Math.abs(best - wanted) ? p : best), candidates[0] ?? 1);
    }
  }
  return out;
}

/**
 * Creates a preset with overrides; config errors become a {@link CliError} that names the
 * offending keys.
 */
export function createPreset(name: string, overrides: Record<string, unknown>): VisionModel {
  findPreset(name);
  try {
    return createModel(name, overrides);
  } catch (err) {
    throw new CliError(`Model "${name}" rejects its config: ${(err as Error).message}`, 2, { cause: err });
  }
}

/**
 * Builds a model's weights by one inference pass on zeros `[1, H, W, C]` (plus zero extra inputs)
 * inside a forward context whose state updates are discarded, so building changes no buffer.
 */
export function buildForData(model: VisionModel, data: Pick<DatasetInfo, 'imageShape' | 'extraInputs'>): void {
  const ctx = createForwardContext(false);
  try {
    tf.tidy(() => {
      const image = tf.zeros([1, ...data.imageShape]);
      const x = data.extraInputs.length > 0 ? [image, ...data.extraInputs.map((e) => tf.zeros([1, ...e.shape]))] : image;
      runWithForwardContext(ctx, () => model.apply(x, { training: false }));
    });
  } finally {
    releaseAuxLosses(ctx);
    discardStateUpdates(ctx);
  }
}
