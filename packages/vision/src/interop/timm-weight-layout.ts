import type { TensorValues } from '@ait/core';

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
export class TimmWeightsError extends Error {
  override readonly name = 'TimmWeightsError';

  /**
   * @param kind machine-readable category.
   * @param where what was being mapped, e.g. `VisionTransformer 'vit' <- vit.safetensors`.
   * @param issues one line per problem.
   */
  constructor(
    readonly kind: TimmWeightsErrorKind,
    readonly where: string,
    readonly issues: readonly string[],
  ) {
    super(`${where}:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
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
export type TimmLayout =
  | { readonly kind: 'copy' }
  | { readonly kind: 'linear' }
  | { readonly kind: 'reshape' }
  | { readonly kind: 'patch-conv'; readonly patchSize: number; readonly channels: number };

function float32(values: TensorValues['values']): Float32Array {
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

/** `x [rows, cols]` (row-major) -> `[cols, rows]`. */
function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c] as number;
  return out;
}

/**
 * Visits every element of a patch projection: `conv` is its index in timm's `[D, C, P, P]` weight,
 * `kernel` in AiT.js's `[P*P*C, D]` kernel.
 */
function forEachPatchWeight(dim: number, p: number, channels: number, visit: (conv: number, kernel: number) => void): void {
  for (let d = 0; d < dim; d++)
    for (let c = 0; c < channels; c++)
      for (let i = 0; i < p; i++)
        for (let j = 0; j < p; j++) visit(((d * channels + c) * p + i) * p + j, ((i * p + j) * channels + c) * dim + d);
}

/**
 * A timm tensor in AiT.js's layout (see {@link TimmLayout}). The shapes must already have been
 * checked: `timm` has the map's timm shape, the result gets `aitShape`.
 */
export function timmToAitLayout(timm: TensorValues, layout: TimmLayout, aitShape: readonly number[]): TensorValues {
  const x = float32(timm.values);
  switch (layout.kind) {
    case 'copy':
    case 'reshape':
      return { dtype: 'float32', shape: [...aitShape], values: Float32Array.from(x) };
    case 'linear': {
      const [out, inp] = timm.shape as [number, number];
      return { dtype: 'float32', shape: [...aitShape], values: transpose(x, out, inp) };
    }
    case 'patch-conv': {
      const kernel = new Float32Array(x.length);
      forEachPatchWeight(timm.shape[0] as number, layout.patchSize, layout.channels, (conv, k) => {
        kernel[k] = x[conv] as number;
      });
      return { dtype: 'float32', shape: [...aitShape], values: kernel };
    }
  }
}

/** Inverse of {@link timmToAitLayout}: an AiT.js tensor in timm's layout, shaped `timmShape`. */
export function aitToTimmLayout(ait: TensorValues, layout: TimmLayout, timmShape: readonly number[]): TensorValues {
  const x = float32(ait.values);
  switch (layout.kind) {
    case 'copy':
    case 'reshape':
      return { dtype: 'float32', shape: [...timmShape], values: Float32Array.from(x) };
    case 'linear': {
      const [inp, out] = ait.shape as [number, number];
      return { dtype: 'float32', shape: [...timmShape], values: transpose(x, inp, out) };
    }
    case 'patch-conv': {
      const weight = new Float32Array(x.length);
      forEachPatchWeight(timmShape[0] as number, layout.patchSize, layout.channels, (conv, k) => {
        weight[conv] = x[k] as number;
      });
      return { dtype: 'float32', shape: [...timmShape], values: weight };
    }
  }
}
