import { type TensorValues } from '@ait/core';
import { aitToOfficialLayout, officialToAitLayout, type OfficialLayout } from './official-weight-layout';

/**
 * How a tensor of the authors' paramixer code is laid out against AiT.js: an {@link OfficialLayout}
 * (`copy`, `linear`, ...) or `conv-patch`, the patch embedding's `nn.Conv2d` weight
 * `[dim, C, P, P]` against AiT.js's patch projection kernel `[P * P * C, dim]`, whose rows follow
 * `patchify`'s `(p1 p2 c)` order: `kernel[(i * P + j) * C + c, d] = weight[d, c, i, j]`.
 */
export type ParamixerLayout = OfficialLayout | { readonly kind: 'conv-patch'; readonly patchSize: number; readonly channels: number };

/** Row of AiT.js's kernel and offset within the authors' weight row, for patch pixel `(i, j)` and channel `c`. */
function convPatchIndex(i: number, j: number, c: number, p: number, channels: number): { row: number; within: number } {
  return { row: (i * p + j) * channels + c, within: (c * p + i) * p + j };
}

/** A tensor of the authors' code in AiT.js's layout (shapes already checked; the result gets `aitShape`). */
export function paramixerToAitLayout(reference: TensorValues, layout: ParamixerLayout, aitShape: readonly number[]): TensorValues {
  if (layout.kind !== 'conv-patch') return officialToAitLayout(reference, layout, aitShape);
  const { patchSize: p, channels } = layout;
  const dim = reference.shape[0] as number;
  const rowLength = channels * p * p;
  const kernel = new Float32Array(rowLength * dim);
  for (let d = 0; d < dim; d++)
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++)
        for (let c = 0; c < channels; c++) {
          const { row, within } = convPatchIndex(i, j, c, p, channels);
          kernel[row * dim + d] = Number(reference.values[d * rowLength + within]);
        }
  return { dtype: 'float32', shape: [...aitShape], values: kernel };
}

/** Inverse of {@link paramixerToAitLayout}: an AiT.js tensor in the authors' layout, shaped `referenceShape`. */
export function aitToParamixerLayout(ait: TensorValues, layout: ParamixerLayout, referenceShape: readonly number[]): TensorValues {
  if (layout.kind !== 'conv-patch') return aitToOfficialLayout(ait, layout, referenceShape);
  const { patchSize: p, channels } = layout;
  const dim = referenceShape[0] as number;
  const rowLength = channels * p * p;
  const weight = new Float32Array(rowLength * dim);
  for (let d = 0; d < dim; d++)
    for (let i = 0; i < p; i++)
      for (let j = 0; j < p; j++)
        for (let c = 0; c < channels; c++) {
          const { row, within } = convPatchIndex(i, j, c, p, channels);
          weight[d * rowLength + within] = Number(ait.values[row * dim + d]);
        }
  return { dtype: 'float32', shape: [...referenceShape], values: weight };
}
