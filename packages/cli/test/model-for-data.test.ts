import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '@ait/datasets';
import { findPreset, fitPresetToData } from '../src/util/model-for-data';

/** The fields of a data set that fitting a preset reads. */
function data(name: string, side: number, channels: number, classes: number, question = false): DatasetInfo {
  return {
    name,
    size: 10,
    imageShape: [side, side, channels],
    numClasses: classes,
    labelNames: Array.from({ length: classes }, (_, i) => String(i)),
    normalization: { mean: new Array<number>(channels).fill(0), std: new Array<number>(channels).fill(1) },
    extraInputs: question ? [{ name: 'question', shape: [18] }] : [],
  } as unknown as DatasetInfo;
}

describe('fitPresetToData', () => {
  it("keeps a raw-patch preset's grid: ait-tiny (16 px, patch 4) on 64 px Triangle gets 16 px patches", () => {
    expect(fitPresetToData(findPreset('ait-tiny'), data('triangle', 64, 1, 2))).toEqual({
      classes: 2,
      channels: 1,
      imageSize: 64,
      patchSize: 16,
    });
  });

  it("cuts patches of the convolutional stem's output for ait-tiny-conv", () => {
    const preset = findPreset('ait-tiny-conv');
    // 64 -> stem -> 16: patch 2 keeps the 8 x 8 grid
    expect(fitPresetToData(preset, data('triangle', 64, 1, 2))).toMatchObject({ imageSize: 64, patchSize: 2 });
    // 28 (MNIST) -> 7: the closest divisor of 7 to 7/8 is 1 (49 tokens)
    expect(fitPresetToData(preset, data('mnist', 28, 1, 10))).toMatchObject({ imageSize: 28, channels: 1, classes: 10, patchSize: 1 });
    // 32 (CIFAR) -> 8: patch 1; 75 (Sort-of-CLEVR) -> 18: patch 2, plus the question token
    expect(fitPresetToData(preset, data('cifar10', 32, 3, 10))).toMatchObject({ patchSize: 1, channels: 3 });
    expect(fitPresetToData(preset, data('sort-of-clevr', 75, 3, 10, true))).toMatchObject({ patchSize: 2, questionDim: 18 });
  });

  it("rejects images smaller than the stem's reduction", () => {
    expect(() => fitPresetToData(findPreset('ait-tiny-conv'), data('tiny', 3, 1, 2))).toThrow(/needs images of at least 4 pixels/);
  });
});
