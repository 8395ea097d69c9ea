import * as tf from '@tensorflow/tfjs-core';
import { broadcastingMatMul } from './broadcast-mat-mul';
import { chunkedAddN } from './chunked-add-n';
import { BOOLEAN_KERNELS_WITHOUT_GRADIENT, zeroGradConfig } from './gradients/comparison-gradients';
import { einsumGradConfig } from './gradients/einsum-gradient';
import { batchMatMulGradConfig } from './gradients/mat-mul-gradient';
import { tileGradConfig } from './gradients/tile-gradient';
import { aliasIdentity, aliasingCast } from './wasm/wasm-alias';
import { wasmBatchMatMul } from './wasm/wasm-batch-mat-mul';
import { wasmConv2DBackpropFilter } from './wasm/wasm-conv2d-backprop-filter';
import { wasmConv2DBackpropInput } from './wasm/wasm-conv2d-backprop-input';
import { wasmConv2D } from './wasm/wasm-convolution';
import { wasmAdd, wasmMultiply, wasmStep } from './wasm/wasm-elementwise';
import { wasmEinsum } from './wasm/wasm-einsum';
import { wasmFastFusedMatMul } from './wasm/wasm-fused-mat-mul';
import { GELU_KERNEL, GELU_WITH_SLOPE_KERNEL, wasmGelu, wasmGeluWithSlope } from './wasm/wasm-gelu';
import { wasmKernelFunc, type WasmKernel } from './wasm/wasm-kernel-call';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, wasmLayerNorm, wasmLayerNormGrad } from './wasm/wasm-layer-norm';
import { wasmSum } from './wasm/wasm-leading-sum';
import { wasmMaxPoolGrad } from './wasm/wasm-max-pool-grad';
import { wasmMaxPool } from './wasm/wasm-max-pool';
import { wasmSlice, wasmSplitV } from './wasm/wasm-slice';
import { wasmTile, wasmUnpack } from './wasm/wasm-tile-unpack';
import { wasmTranspose } from './wasm/wasm-transpose';
import { wasmUnarySimd } from './wasm/wasm-unary-simd';
import { wasmUnsortedSegmentSum } from './wasm/wasm-unsorted-segment-sum';

/** A backend that `registerFastKernels` installs kernels for; `'all'`: a gradient, registered for every backend. */
export type FastKernelBackend = 'wasm' | 'cpu' | 'webgpu' | 'all';

/**
 * How an entry of {@link FAST_KERNELS} stands to what tfjs has: `wraps`, it replaces the
 * backend's kernel and hands it the cases it does not take (`registerFastKernels` fails where the
 * backend has none); `adds`, a kernel the backend lacks (or one of AiT.js's own names), installed
 * as it is; `gradient`, a gradient set over tfjs' own on every call (importing tfjs-layers
 * registers tfjs' again); `missing-gradient`, a gradient registered only where tfjs has none.
 */
export type FastKernelMode = 'wraps' | 'adds' | 'gradient' | 'missing-gradient';

/** One kernel or gradient that `registerFastKernels` installs, as {@link FAST_KERNELS} lists it. */
export interface FastKernelInfo {
  /** The tfjs kernel name (`tf.BatchMatMul` is `'BatchMatMul'`) or AiT.js's own (`'AitGelu'`). */
  readonly kernelName: string;
  /** The backends it is installed for (`['all']` for gradients). */
  readonly backends: readonly FastKernelBackend[];
  /** How it stands to the backend's own kernel or tfjs' gradient. */
  readonly mode: FastKernelMode;
  /** Installed only where AiT.js's WebAssembly SIMD kernels run on the backend's heap. */
  readonly simdOnly: boolean;
  /** What it does, in one line. */
  readonly description: string;
}

/** What an entry's factory gets: the kernel, the backend and the kernel registered before. */
interface KernelContext<Original> {
  kernelName: string;
  backendName: string;
  original: Original;
}

/** A kernel entry: its description and the factory of its kernel function. */
export type FastKernelEntry = Omit<FastKernelInfo, 'mode' | 'simdOnly'> & { readonly simdOnly?: true } & (
    | { readonly mode: 'wraps'; make(context: KernelContext<tf.KernelFunc>): tf.KernelFunc }
    | { readonly mode: 'adds'; make(context: KernelContext<tf.KernelFunc | undefined>): tf.KernelFunc }
  );

/** A gradient entry: its description and the gradient it registers. */
export type FastGradientEntry = Omit<FastKernelInfo, 'mode' | 'simdOnly' | 'backends'> & {
  readonly mode: 'gradient' | 'missing-gradient';
  readonly config: tf.GradConfig;
};

/** The factory of a wasm kernel written against `WasmKernelCall`. */
function wasm(kernel: WasmKernel) {
  return ({ kernelName, backendName, original }: KernelContext<tf.KernelFunc | undefined>): tf.KernelFunc =>
    wasmKernelFunc(kernelName, backendName, original, kernel);
}

/** `_FusedMatMul` on wasm: products it hands on go to the `BatchMatMul` registered when it is installed (the fast one). */
function fusedMatMul({ kernelName, backendName, original }: KernelContext<tf.KernelFunc>): tf.KernelFunc {
  const matMulKernel = tf.getKernel(tf.BatchMatMul, backendName);
  const matMul: tf.KernelFunc = (params) => matMulKernel.kernelFunc(params);
  return wasmKernelFunc(kernelName, backendName, original, (call) => wasmFastFusedMatMul(call, matMul));
}

const WASM = ['wasm'] as const;

/**
 * The gradient fixes, registered for every backend, in this order: the gradients tfjs 4.22 gets
 * wrong or lacks.
 */
export const FAST_GRADIENT_ENTRIES: readonly FastGradientEntry[] = [
  {
    kernelName: tf.BatchMatMul,
    mode: 'gradient',
    description: "reduces broadcast batch dimensions to each input's shape; a shared weight's gradient is one 2-D product",
    config: batchMatMulGradConfig,
  },
  ...BOOLEAN_KERNELS_WITHOUT_GRADIENT.map((kernelName): FastGradientEntry => ({
    kernelName,
    mode: 'missing-gradient',
    description: 'a zero gradient for a boolean kernel, so that `tf.where(tf.greater(x, 0), a, b)` can be differentiated',
    config: zeroGradConfig(kernelName),
  })),
  {
    kernelName: tf.Einsum,
    mode: 'missing-gradient',
    description: "einsum's gradient, as einsums of the output gradient",
    config: einsumGradConfig,
  },
  {
    kernelName: tf.Tile,
    mode: 'gradient',
    description: "one reshape and sum instead of one slice and addition per tile (also broadcastTo's gradient)",
    config: tileGradConfig,
  },
];

/**
 * The fast kernels, in the order `registerFastKernels` installs them (`_FusedMatMul` after
 * `BatchMatMul`, whose fast kernel it calls; the SIMD ones last).
 */
export const FAST_KERNEL_ENTRIES: readonly FastKernelEntry[] = [
  {
    kernelName: tf.Sum,
    backends: WASM,
    mode: 'wraps',
    description: 'sums over leading axes (bias and layer-norm gradients) in one pass',
    make: wasm(wasmSum),
  },
  {
    kernelName: tf.Identity,
    backends: WASM,
    mode: 'wraps',
    description: "shares the input's data instead of copying it",
    make: wasm(aliasIdentity),
  },
  {
    kernelName: tf.Cast,
    backends: WASM,
    mode: 'wraps',
    description: 'shares the data where the dtype does not change',
    make: wasm(aliasingCast),
  },
  {
    kernelName: tf.Transpose,
    backends: WASM,
    mode: 'wraps',
    description: 'SIMD matrix transposes and copies of contiguous runs; tiled JavaScript for rank 5 and large 2-D',
    make: wasm(wasmTranspose),
  },
  {
    kernelName: tf.BatchMatMul,
    backends: WASM,
    mode: 'wraps',
    description: 'every transpose case, batched and broadcast product on a fast GEMM (the SIMD one or XNNPACK)',
    make: wasm(wasmBatchMatMul),
  },
  {
    kernelName: tf._FusedMatMul,
    backends: WASM,
    mode: 'wraps',
    description: 'matmul, bias and activation on the SIMD GEMM (bias added in the kernel) or on XNNPACK',
    make: fusedMatMul,
  },
  {
    kernelName: tf.UnsortedSegmentSum,
    backends: WASM,
    mode: 'adds',
    description: "gather's gradient, in one pass over the input",
    make: wasm(wasmUnsortedSegmentSum),
  },
  {
    kernelName: tf.Conv2DBackpropFilter,
    backends: WASM,
    mode: 'adds',
    description: "conv2d's filter gradient: im2col and the SIMD GEMM, or a convolution with batch and channels swapped",
    make: wasm(wasmConv2DBackpropFilter),
  },
  {
    kernelName: tf.Conv2DBackpropInput,
    backends: WASM,
    mode: 'wraps',
    description: "conv2d's input gradient as a fast Conv2D of the flipped filter (stride 1, equal padding)",
    make: wasm(wasmConv2DBackpropInput),
  },
  {
    kernelName: tf.MaxPoolGrad,
    backends: WASM,
    mode: 'wraps',
    description: 'non-overlapping windows in one pass',
    make: wasm(wasmMaxPoolGrad),
  },
  { kernelName: tf.Tile, backends: WASM, mode: 'wraps', description: 'float32 and int32 as block copies', make: wasm(wasmTile) },
  { kernelName: tf.Unpack, backends: WASM, mode: 'wraps', description: 'axis 0 as one block copy per output', make: wasm(wasmUnpack) },
  {
    kernelName: tf.Einsum,
    backends: WASM,
    mode: 'adds',
    description: 'operands combined pairwise as batched matrix products on the fast GEMM',
    make: wasm(wasmEinsum),
  },
  {
    kernelName: GELU_KERNEL,
    backends: WASM,
    mode: 'adds',
    simdOnly: true,
    description: 'exact GELU for `fusedGelu`',
    make: wasm(wasmGelu),
  },
  {
    kernelName: GELU_WITH_SLOPE_KERNEL,
    backends: WASM,
    mode: 'adds',
    simdOnly: true,
    description: "exact GELU and its derivative in one pass (`fusedGelu`'s gradient)",
    make: wasm(wasmGeluWithSlope),
  },
  {
    kernelName: LAYER_NORM_KERNEL,
    backends: WASM,
    mode: 'adds',
    simdOnly: true,
    description: 'layer normalisation over the last axis for `fusedLayerNorm`, mean and 1 / std saved',
    make: wasm(wasmLayerNorm),
  },
  {
    kernelName: LAYER_NORM_GRAD_KERNEL,
    backends: WASM,
    mode: 'adds',
    simdOnly: true,
    description: "`fusedLayerNorm`'s gradient",
    make: wasm(wasmLayerNormGrad),
  },
  {
    kernelName: tf.Slice,
    backends: WASM,
    mode: 'wraps',
    simdOnly: true,
    description: 'boxes copied as contiguous runs',
    make: wasm(wasmSlice),
  },
  { kernelName: tf.SplitV, backends: WASM, mode: 'wraps', simdOnly: true, description: 'each part a `Slice` box', make: wasm(wasmSplitV) },
  {
    kernelName: tf.Exp,
    backends: WASM,
    mode: 'wraps',
    simdOnly: true,
    description: 'float32 in one SIMD pass, on the GEMM pool',
    make: wasm((call) => wasmUnarySimd('exp', call)),
  },
  {
    kernelName: tf.Erf,
    backends: WASM,
    mode: 'wraps',
    simdOnly: true,
    description: 'float32 in one SIMD pass, on the GEMM pool',
    make: wasm((call) => wasmUnarySimd('erf', call)),
  },
  {
    kernelName: tf.Multiply,
    backends: WASM,
    mode: 'wraps',
    simdOnly: true,
    description: 'same-shape float32 products of 65536 elements or more on the GEMM pool',
    make: wasm(wasmMultiply),
  },
  {
    kernelName: tf.Add,
    backends: WASM,
    mode: 'wraps',
    simdOnly: true,
    description: 'bias additions in one SIMD pass; same-shape float32 sums of 65536 elements or more on the GEMM pool',
    make: wasm(wasmAdd),
  },
  {
    kernelName: tf.Conv2D,
    backends: WASM,
    mode: 'wraps',
    simdOnly: true,
    description: 'NHWC float32 with 8 or more output channels as im2col and the SIMD GEMM, on the GEMM pool',
    make: wasm(wasmConv2D),
  },
  {
    kernelName: tf.Step,
    backends: WASM,
    mode: 'wraps',
    simdOnly: true,
    description: "float32 (ReLU's gradient) in one SIMD pass, on the GEMM pool",
    make: wasm(wasmStep),
  },
  {
    kernelName: tf.MaxPool,
    backends: WASM,
    mode: 'wraps',
    simdOnly: true,
    description: 'non-overlapping windows, 4 channels at a time',
    make: wasm(wasmMaxPool),
  },
  {
    kernelName: tf.BatchMatMul,
    backends: ['cpu', 'webgpu'],
    mode: 'wraps',
    description: "two-way batch broadcasting (`[2, 1, m, k] x [1, 3, k, n]`), which tfjs 4.22's kernels get wrong",
    make: ({ backendName, original }) => broadcastingMatMul(backendName, original),
  },
  {
    kernelName: tf.AddN,
    backends: ['webgpu'],
    mode: 'wraps',
    description: "any number of inputs, summed in chunks (tfjs-backend-webgpu's fails beyond the shader's storage buffers)",
    make: ({ original }) => chunkedAddN(original),
  },
];

/**
 * Every kernel and gradient that `registerFastKernels` installs, in its order (gradients first):
 * the one list the kernels are registered from, for documentation and tests. Read-only.
 */
export const FAST_KERNELS: readonly FastKernelInfo[] = Object.freeze(
  [
    ...FAST_GRADIENT_ENTRIES.map((e) => ({ ...e, backends: ['all'] as const, simdOnly: false })),
    ...FAST_KERNEL_ENTRIES.map((e) => ({ ...e, simdOnly: e.simdOnly === true })),
  ].map(({ kernelName, backends, mode, simdOnly, description }): FastKernelInfo =>
    Object.freeze({ kernelName, backends: Object.freeze([...backends]), mode, simdOnly, description }),
  ),
);
