import type { TensorValues } from '@ait/core';
import { ReferenceWeightsError } from './reference-weights-error';
import { kernelToPatchConv, patchConvToKernel, sharedLayoutFromAit, sharedLayoutToAit, type SharedLayout } from './reference-weight-layout';

/** What is wrong when timm weights and an AiT.js model do not fit each other. */
export type TimmWeightsErrorKind =
  /** The AiT.js config computes something timm's model does not; no map would be right. */
  | 'unsupported-config'
  /** The tensors do not fit the config: missing, unknown, or of another shape or dtype. */
  | 'mismatch'
  /** The model has no weights yet (export needs a built model). */
  | 'not-built';

/**
 * Thrown by the weight maps between AiT.js models and timm's (`pytorch-image-models`)
 * `VisionTransformer` and `MlpMixer` (see {@link timmVitWeightMap}). `issues` lists every problem
 * found (all are collected before anything is thrown), each with what to do.
 */
export class TimmWeightsError extends ReferenceWeightsError<TimmWeightsErrorKind> {
  override readonly name = 'TimmWeightsError';
}

/**
 * How a tensor is laid out on each side of a timm map:
 *
 * - `copy`: the same values in the same order and shape (LayerNorm scales and shifts, biases);
 * - `linear`: an `nn.Linear` weight `[out, in]` against the tfjs kernel `[in, out]` (a transpose);
 * - `reshape`: the same values in the same order, in another shape (the CLS token `[1, 1, D]` and
 *   position table `[1, N, D]` against `[D]` and `[N, D]`);
 * - `patch-conv`: the patch embedding, timm's `Conv2d(C, D, P, stride P)` weight `[D, C, P, P]`
 *   against the kernel `[P*P*C, D]` of AiT.js's linear patch projection, whose patch features are
 *   flattened as (row, column, channel): `kernel[(i * P + j) * C + c][d] = weight[d][c][i][j]`.
 */
export type TimmLayout = SharedLayout | { readonly kind: 'patch-conv'; readonly patchSize: number; readonly channels: number };

/**
 * A timm tensor in AiT.js's layout (see {@link TimmLayout}). The shapes must already have been
 * checked: `timm` has the map's timm shape, the result gets `aitShape`.
 */
export function timmToAitLayout(timm: TensorValues, layout: TimmLayout, aitShape: readonly number[]): TensorValues {
  if (layout.kind === 'patch-conv') return patchConvToKernel(timm, layout.patchSize, layout.channels, aitShape);
  return sharedLayoutToAit(timm, layout, aitShape);
}

/** Inverse of {@link timmToAitLayout}: an AiT.js tensor in timm's layout, shaped `timmShape`. */
export function aitToTimmLayout(ait: TensorValues, layout: TimmLayout, timmShape: readonly number[]): TensorValues {
  if (layout.kind === 'patch-conv') return kernelToPatchConv(ait, layout.patchSize, layout.channels, timmShape);
  return sharedLayoutFromAit(ait, layout, timmShape);
}
