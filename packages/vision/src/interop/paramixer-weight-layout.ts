import { type TensorValues } from '@ait/core';
import { aitToOfficialLayout, officialToAitLayout, type OfficialLayout } from './official-weight-layout';
import { kernelToPatchConv, patchConvToKernel } from './reference-weight-layout';

/**
 * How a tensor of the authors' paramixer code is laid out against AiT.js: an {@link OfficialLayout}
 * (`copy`, `linear`, ...) or `conv-patch`, the patch embedding's `nn.Conv2d` weight
 * `[dim, C, P, P]` against AiT.js's patch projection kernel `[P * P * C, dim]`, whose rows follow
 * `patchify`'s `(p1 p2 c)` order: `kernel[(i * P + j) * C + c, d] = weight[d, c, i, j]`.
 */
export type ParamixerLayout = OfficialLayout | { readonly kind: 'conv-patch'; readonly patchSize: number; readonly channels: number };

/** A tensor of the authors' code in AiT.js's layout (shapes already checked; the result gets `aitShape`). */
export function paramixerToAitLayout(reference: TensorValues, layout: ParamixerLayout, aitShape: readonly number[]): TensorValues {
  if (layout.kind !== 'conv-patch') return officialToAitLayout(reference, layout, aitShape);
  return patchConvToKernel(reference, layout.patchSize, layout.channels, aitShape);
}

/** Inverse of {@link paramixerToAitLayout}: an AiT.js tensor in the authors' layout, shaped `referenceShape`. */
export function aitToParamixerLayout(ait: TensorValues, layout: ParamixerLayout, referenceShape: readonly number[]): TensorValues {
  if (layout.kind !== 'conv-patch') return aitToOfficialLayout(ait, layout, referenceShape);
  return kernelToPatchConv(ait, layout.patchSize, layout.channels, referenceShape);
}
