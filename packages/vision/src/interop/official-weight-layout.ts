import type { TensorValues } from '@ait/core';
import { ReferenceWeightsError } from './reference-weights-error';
import { asFloat32, sharedLayoutFromAit, sharedLayoutToAit, type SharedLayout } from './reference-weight-layout';

/** What is wrong when official weights and an AiT.js model do not fit each other. */
export type OfficialWeightsErrorKind =
  /** The AiT.js config has something the official code does not have (or computes differently); nothing to map. */
  | 'unsupported-config'
  /** The tensors do not fit the config: missing, unknown, or of another shape or dtype. */
  | 'mismatch'
  /** The model has no weights yet (export needs a built model). */
  | 'not-built';

/**
 * Thrown by the weight maps between AiT.js models and the official PyTorch code of the AiT paper
 * (see {@link officialAitWeightMap}). `issues` lists every problem found (all are collected before
 * anything is thrown), each with what to do.
 */
export class OfficialWeightsError extends ReferenceWeightsError<OfficialWeightsErrorKind> {
  override readonly name = 'OfficialWeightsError';
}

/**
 * How a tensor is laid out on each side of the map:
 *
 * - `copy`: the same values in the same order and shape (LayerNorm scales and shifts, biases, the
 *   memory);
 * - `linear`: a linear layer's weight, PyTorch `[out, in]` against the tfjs kernel `[in, out]`
 *   (a transpose);
 * - `linear-feature-major-heads`: the output projection of the official bottleneck write, whose
 *   input concatenates the heads as (feature, head) (index `f * heads + h`) where AiT.js
 *   concatenates them as (head, feature) (index `h * headDim + f`): a transpose and a permutation
 *   of the kernel's rows, `kernel[h * headDim + f] = weight[:, f * heads + h]`;
 * - `reshape`: the same values in the same order, in another shape (the CLS token `[1, 1, D]` and
 *   position table `[1, N + 1, D]` of the official ViT against `[D]` and `[N + 1, D]`).
 */
export type OfficialLayout =
  SharedLayout | { readonly kind: 'linear-feature-major-heads'; readonly heads: number; readonly headDim: number };

/** AiT.js row index `h * headDim + f` -> official column index `f * heads + h`. */
function officialColumn(row: number, heads: number, headDim: number): number {
  const h = Math.floor(row / headDim);
  const f = row % headDim;
  return f * heads + h;
}

/**
 * An official tensor in AiT.js's layout (see {@link OfficialLayout}). The shapes must already
 * have been checked: `official` has `officialShape`, the result gets `aitShape`.
 */
export function officialToAitLayout(official: TensorValues, layout: OfficialLayout, aitShape: readonly number[]): TensorValues {
  if (layout.kind !== 'linear-feature-major-heads') return sharedLayoutToAit(official, layout, aitShape);
  const x = asFloat32(official.values);
  const [out, inp] = official.shape as [number, number];
  const { heads, headDim } = layout;
  const kernel = new Float32Array(x.length);
  for (let row = 0; row < inp; row++) {
    const col = officialColumn(row, heads, headDim);
    for (let o = 0; o < out; o++) kernel[row * out + o] = x[o * inp + col] as number;
  }
  return { dtype: 'float32', shape: [...aitShape], values: kernel };
}

/** Inverse of {@link officialToAitLayout}: an AiT.js tensor in the official layout, shaped `officialShape`. */
export function aitToOfficialLayout(ait: TensorValues, layout: OfficialLayout, officialShape: readonly number[]): TensorValues {
  if (layout.kind !== 'linear-feature-major-heads') return sharedLayoutFromAit(ait, layout, officialShape);
  const x = asFloat32(ait.values);
  const [inp, out] = ait.shape as [number, number];
  const { heads, headDim } = layout;
  const weight = new Float32Array(x.length);
  for (let row = 0; row < inp; row++) {
    const col = officialColumn(row, heads, headDim);
    for (let o = 0; o < out; o++) weight[o * inp + col] = x[row * out + o] as number;
  }
  return { dtype: 'float32', shape: [...officialShape], values: weight };
}
