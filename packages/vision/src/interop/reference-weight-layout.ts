import type { TensorValues } from '@ait/core';

/**
 * The tensor layouts the reference-code weight maps share, and the rearrangements between the
 * PyTorch side and AiT.js's:
 *
 * - `copy`: the same values in the same order and shape;
 * - `linear`: an `nn.Linear` weight `[out, in]` against the tfjs kernel `[in, out]` (a transpose);
 * - `reshape`: the same values in the same order, in another shape.
 */
export type SharedLayout = { readonly kind: 'copy' } | { readonly kind: 'linear' } | { readonly kind: 'reshape' };

/** The values as a Float32Array (the same array when they already are one). */
export function asFloat32(values: TensorValues['values']): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

/** `x [rows, cols]` (row-major) -> `[cols, rows]`. */
export function transposeMatrix(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c] as number;
  return out;
}

/**
 * A PyTorch tensor in AiT.js's layout for a {@link SharedLayout} (shapes already checked; the
 * result gets `aitShape`). The inverse is {@link sharedLayoutFromAit}.
 */
export function sharedLayoutToAit(reference: TensorValues, layout: SharedLayout, aitShape: readonly number[]): TensorValues {
  const x = asFloat32(reference.values);
  if (layout.kind !== 'linear') return { dtype: 'float32', shape: [...aitShape], values: Float32Array.from(x) };
  const [out, inp] = reference.shape as [number, number];
  return { dtype: 'float32', shape: [...aitShape], values: transposeMatrix(x, out, inp) };
}

/** Inverse of {@link sharedLayoutToAit}: an AiT.js tensor in the PyTorch layout, shaped `referenceShape`. */
export function sharedLayoutFromAit(ait: TensorValues, layout: SharedLayout, referenceShape: readonly number[]): TensorValues {
  const x = asFloat32(ait.values);
  if (layout.kind !== 'linear') return { dtype: 'float32', shape: [...referenceShape], values: Float32Array.from(x) };
  const [inp, out] = ait.shape as [number, number];
  return { dtype: 'float32', shape: [...referenceShape], values: transposeMatrix(x, inp, out) };
}

/**
 * Visits every element of a patch projection: `conv` is its index in the PyTorch
 * `Conv2d(C, D, P, stride P)` weight `[D, C, P, P]`, `kernel` in AiT.js's linear patch projection
 * kernel `[P*P*C, D]`, whose patch features are flattened as (row, column, channel):
 * `kernel[(i * P + j) * C + c][d] = weight[d][c][i][j]`.
 */
export function forEachPatchWeight(dim: number, p: number, channels: number, visit: (conv: number, kernel: number) => void): void {
  for (let d = 0; d < dim; d++)
    for (let c = 0; c < channels; c++)
      for (let i = 0; i < p; i++)
        for (let j = 0; j < p; j++) visit(((d * channels + c) * p + i) * p + j, ((i * p + j) * channels + c) * dim + d);
}

/** A patch-embedding `Conv2d` weight `[D, C, P, P]` as AiT.js's kernel `[P*P*C, D]` (see {@link forEachPatchWeight}). */
export function patchConvToKernel(conv: TensorValues, patchSize: number, channels: number, aitShape: readonly number[]): TensorValues {
  const x = asFloat32(conv.values);
  const kernel = new Float32Array(x.length);
  forEachPatchWeight(conv.shape[0] as number, patchSize, channels, (c, k) => {
    kernel[k] = x[c] as number;
  });
  return { dtype: 'float32', shape: [...aitShape], values: kernel };
}

/** Inverse of {@link patchConvToKernel}: AiT.js's kernel as the `Conv2d` weight, shaped `convShape` `[D, C, P, P]`. */
export function kernelToPatchConv(kernel: TensorValues, patchSize: number, channels: number, convShape: readonly number[]): TensorValues {
  const x = asFloat32(kernel.values);
  const weight = new Float32Array(x.length);
  forEachPatchWeight(convShape[0] as number, patchSize, channels, (c, k) => {
    weight[c] = x[k] as number;
  });
  return { dtype: 'float32', shape: [...convShape], values: weight };
}
