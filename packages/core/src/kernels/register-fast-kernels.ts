import * as tf from '@tensorflow/tfjs-core';
import { broadcastingMatMul } from './broadcast-mat-mul';
import { chunkedAddN } from './chunked-add-n';
import { registerBooleanKernelGradients } from './gradients/comparison-gradients';
import { einsumGradConfig } from './gradients/einsum-gradient';
import { batchMatMulGradConfig } from './gradients/mat-mul-gradient';
import { tileGradConfig } from './gradients/tile-gradient';
import { wasmConv2DBackpropFilter } from './wasm/wasm-conv2d-backprop-filter';
import { wasmConv2DBackpropInput } from './wasm/wasm-conv2d-backprop-input';
import { wasmMaxPoolGrad } from './wasm/wasm-max-pool-grad';
import { wasmMaxPool } from './wasm/wasm-max-pool';
import { wasmTile, wasmUnpack } from './wasm/wasm-tile-unpack';
import { wasmEinsum } from './wasm/wasm-einsum';
import { wasmFastMatMul } from './wasm/wasm-batch-mat-mul';
import { wasmFastFusedMatMul } from './wasm/wasm-fused-mat-mul';
import { wasmTranspose } from './wasm/wasm-transpose';
import { wasmSum } from './wasm/wasm-leading-sum';
import { aliasIdentity, aliasingCast } from './wasm/wasm-alias';
import { wasmUnsortedSegmentSum } from './wasm/wasm-unsorted-segment-sum';
import { GELU_KERNEL, GELU_WITH_SLOPE_KERNEL, wasmGelu, wasmGeluWithSlope } from './wasm/wasm-gelu';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, wasmLayerNorm, wasmLayerNormGrad } from './wasm/wasm-layer-norm';
import { simdKernelsFor } from './wasm/simd-module';
import { wasmUnarySimd } from './wasm/wasm-unary-simd';
import { wasmAdd, wasmMultiply, wasmStep } from './wasm/wasm-elementwise';
import { wasmConv2D } from './wasm/wasm-convolution';
import { wasmSlice, wasmSplitV } from './wasm/wasm-slice';
import { asWasmBackend } from './wasm/wasm-interop';

/** Marks kernel functions installed by {@link registerFastKernels}, so a second call can tell. */
const FAST = Symbol.for('@ait/core/fast-kernel');

type MarkedKernelFunc = tf.KernelFunc & { [FAST]?: true };

function isFast(config: tf.KernelConfig | undefined): boolean {
  return config !== undefined && (config.kernelFunc as MarkedKernelFunc)[FAST] === true;
}

function mark(fn: tf.KernelFunc): tf.KernelFunc {
  (fn as MarkedKernelFunc)[FAST] = true;
  return fn;
}

/**
 * Replaces (or adds) the kernel `kernelName` for `backendName`. `make` receives the kernel that
 * was registered before (undefined when there was none). Does nothing when the fast kernel is
 * already in place.
 */
function install(kernelName: string, backendName: string, make: (original: tf.KernelConfig | undefined) => tf.KernelFunc): void {
  const existing = tf.getKernel(kernelName, backendName);
  if (isFast(existing)) return;
  const kernelFunc = mark(make(existing));
  if (existing) tf.unregisterKernel(kernelName, backendName);
  const config: tf.KernelConfig = { kernelName, backendName, kernelFunc };
  if (existing?.setupFunc) config.setupFunc = existing.setupFunc;
  if (existing?.disposeFunc) config.disposeFunc = existing.disposeFunc;
  tf.registerKernel(config);
  // Kernels' setup functions run when a backend is selected; if this one is running already,
  // run the original's setup now so that the kernel we delegate to is ready.
  if (config.setupFunc && tf.getBackend() === backendName) config.setupFunc(tf.backend());
}

/**
 * Replaces `kernelName` for `backendName` with `make(original)`, where `original` is the kernel
 * function registered before (required: throws naming the kernel when there is none).
 */
function wrap(kernelName: string, backendName: string, make: (original: tf.KernelFunc) => tf.KernelFunc): void {
  install(kernelName, backendName, (existing) => {
    if (!existing) throw new Error(`registerFastKernels: backend '${backendName}' has no ${kernelName} kernel.`);
    return make(existing.kernelFunc);
  });
}

/**
 * Registers the backend-independent gradient fixes. The BatchMatMul one is set on every call:
 * importing tfjs-layers (which registers tfjs' own gradients) after a first call would otherwise
 * put the broadcasting bug back.
 */
function registerGradients(): void {
  if (tf.getGradient(tf.BatchMatMul) !== batchMatMulGradConfig) tf.registerGradient(batchMatMulGradConfig);
  registerBooleanKernelGradients();
  if (!tf.getGradient(tf.Einsum)) tf.registerGradient(einsumGradConfig);
  if (tf.getGradient(tf.Tile) !== tileGradConfig) tf.registerGradient(tileGradConfig);
}

function registerWasmKernels(backendName: string): void {
  wrap(
    tf.Sum,
    backendName,
    (orig) =>
      ({ inputs, backend, attrs }) =>
        wasmSum(backend, orig, inputs, attrs ?? {}),
  );
  wrap(
    tf.Identity,
    backendName,
    (orig) =>
      ({ inputs, backend }) =>
        aliasIdentity(backend, inputs, orig),
  );
  wrap(
    tf.Cast,
    backendName,
    (orig) =>
      ({ inputs, backend, attrs }) =>
        aliasingCast(backend, inputs, attrs ?? {}, orig),
  );
  wrap(
    tf.Transpose,
    backendName,
    (orig) =>
      ({ inputs, backend, attrs }) =>
        wasmTranspose(backend, orig, inputs, attrs ?? {}),
  );
  wrap(tf.BatchMatMul, backendName, (orig) => ({ inputs, backend, attrs }) => {
    const [a, b] = [inputs.a as tf.TensorInfo, inputs.b as tf.TensorInfo];
    return wasmFastMatMul(backendName, backend, orig, a, b, attrs?.transposeA === true, attrs?.transposeB === true);
  });
  const matMulKernel = tf.getKernel(tf.BatchMatMul, backendName);
  const matMul: tf.KernelFunc = (params) => matMulKernel.kernelFunc(params);
  wrap(
    tf._FusedMatMul,
    backendName,
    (orig) =>
      ({ inputs, backend, attrs }) =>
        wasmFastFusedMatMul(backendName, backend, orig, matMul, inputs, attrs ?? {}),
  );
  install(
    tf.UnsortedSegmentSum,
    backendName,
    () =>
      ({ inputs, backend, attrs }) =>
        wasmUnsortedSegmentSum(backend, inputs, attrs ?? {}),
  );
  install(
    tf.Conv2DBackpropFilter,
    backendName,
    () =>
      ({ inputs, backend, attrs }) =>
        wasmConv2DBackpropFilter(backendName, backend, inputs, attrs ?? {}),
  );
  wrap(
    tf.Conv2DBackpropInput,
    backendName,
    (orig) =>
      ({ inputs, backend, attrs }) =>
        wasmConv2DBackpropInput(backendName, backend, inputs, attrs ?? {}, orig),
  );
  wrap(
    tf.MaxPoolGrad,
    backendName,
    (orig) =>
      ({ inputs, backend, attrs }) =>
        wasmMaxPoolGrad(backend, inputs, attrs ?? {}, orig),
  );
  wrap(
    tf.Tile,
    backendName,
    (orig) =>
      ({ inputs, backend, attrs }) =>
        wasmTile(backend, inputs, attrs ?? {}, orig),
  );
  wrap(
    tf.Unpack,
    backendName,
    (orig) =>
      ({ inputs, backend, attrs }) =>
        wasmUnpack(backend, inputs, attrs ?? {}, orig),
  );
  install(
    tf.Einsum,
    backendName,
    () =>
      ({ inputs, backend, attrs }) =>
        wasmEinsum(backendName, backend, inputs, attrs ?? {}),
  );
  // AiT.js's own SIMD kernels, where they can run on this backend's heap (fusedGelu and
  // fusedLayerNorm use the GELU and layer-norm ones when registered)
  const instance = tf.engine().findBackend(backendName);
  if (instance && simdKernelsFor(asWasmBackend(instance))) {
    install(
      GELU_KERNEL,
      backendName,
      () =>
        ({ inputs, backend }) =>
          wasmGelu({ inputs, backend }),
    );
    install(
      GELU_WITH_SLOPE_KERNEL,
      backendName,
      () =>
        ({ inputs, backend }) =>
          wasmGeluWithSlope({ inputs, backend }),
    );
    install(
      LAYER_NORM_KERNEL,
      backendName,
      () =>
        ({ inputs, backend, attrs }) =>
          wasmLayerNorm({ inputs, backend, attrs }),
    );
    install(
      LAYER_NORM_GRAD_KERNEL,
      backendName,
      () =>
        ({ inputs, backend }) =>
          wasmLayerNormGrad({ inputs, backend }),
    );
    wrap(
      tf.Slice,
      backendName,
      (orig) =>
        ({ inputs, backend, attrs }) =>
          wasmSlice(backend, inputs, attrs ?? {}, orig),
    );
    wrap(
      tf.SplitV,
      backendName,
      (orig) =>
        ({ inputs, backend, attrs }) =>
          wasmSplitV(backend, inputs, attrs ?? {}, orig),
    );
    for (const [kernel, op] of [
      [tf.Exp, 'exp'],
      [tf.Erf, 'erf'],
    ] as const) {
      wrap(
        kernel,
        backendName,
        (orig) =>
          ({ inputs, backend, attrs }) =>
            wasmUnarySimd(op, backend, inputs, attrs ?? {}, orig),
      );
    }
    wrap(
      tf.Multiply,
      backendName,
      (orig) =>
        ({ inputs, backend }) =>
          wasmMultiply(backend, inputs, orig),
    );
    wrap(
      tf.Add,
      backendName,
      (orig) =>
        ({ inputs, backend }) =>
          wasmAdd(backend, inputs, orig),
    );
    wrap(
      tf.Conv2D,
      backendName,
      (orig) =>
        ({ inputs, backend, attrs }) =>
          wasmConv2D(backend, inputs, attrs ?? {}, orig),
    );
    wrap(
      tf.Step,
      backendName,
      (orig) =>
        ({ inputs, backend, attrs }) =>
          wasmStep(backend, inputs, attrs ?? {}, orig),
    );
    wrap(
      tf.MaxPool,
      backendName,
      (orig) =>
        ({ inputs, backend, attrs }) =>
          wasmMaxPool(backend, inputs, attrs ?? {}, orig),
    );
  }
}

/**
 * Installs AiT.js's fast kernels and gradient fixes for `backendName` (call it after the backend
 * is registered, e.g. from `initBackend`; calling it again is a no-op).
 *
 * For every backend: a `BatchMatMul` gradient that reduces broadcast batch dimensions to each
 * input's shape (and folds a shared weight's gradient into one 2-D product), zero gradients for
 * boolean kernels (`Greater`, `Less`, `Equal`, ...) so that `tf.where(tf.greater(x, 0), a, b)`
 * can be differentiated, a gradient for `Einsum`, and a `Tile` gradient (also `broadcastTo`'s) that
 * is one reshape and sum instead of one slice and addition per tile.
 *
 * For `wasm`: `BatchMatMul` and `_FusedMatMul` that keep every transpose combination, batched
 * and broadcast product on a fast GEMM (the SIMD one below, or XNNPACK's, which tfjs-wasm only
 * takes for untransposed 2-D products), and the kernels tfjs-wasm lacks for training:
 * `UnsortedSegmentSum` (gradient of gather), `Conv2DBackpropFilter` and `Einsum`; `Conv2DBackpropInput` as a fast `Conv2D` of the
 * flipped filter (stride 1, equal padding) and `MaxPoolGrad` for non-overlapping windows (both
 * faster than tfjs-wasm's loops), block-copy `Tile` and `Unpack` (axis 0), and AiT.js's
 * WebAssembly SIMD kernels on tfjs-wasm's heap: a GEMM for every transpose combination (transposed
 * operands packed where they lie) with the bias added in the kernel, `Conv2D` and its filter
 * gradient through im2col and that GEMM, exact GELU and layer normalisation with their gradients,
 * bias-gradient sums, matrix transposes, `Exp`, `Erf`, `Step`, bias `Add`, `MaxPool`
 * (non-overlapping windows), `Slice` and `SplitV`; with a GEMM pool (`initBackend`'s
 * `wasmThreads` > 1) the products, convolutions, GELU, `Exp`, `Erf`, `Step` and large same-shape
 * `Multiply` and `Add` run on every thread. For `cpu` and
 * `webgpu`: a `BatchMatMul` wrapper that makes two-way
 * batch broadcasting (`[2, 1, m, k] x [1, 3, k, n]`) correct (tfjs 4.22's kernels fail on it); for
 * `webgpu` also an `AddN` that sums any number of inputs (tfjs-backend-webgpu 4.22's fails beyond
 * the device's storage buffers per shader, see {@link chunkedAddN}); their other kernels stay.
 * Other backends keep their kernels.
 */
export function registerFastKernels(backendName: string): void {
  if (typeof backendName !== 'string' || backendName.length === 0) {
    throw new Error('registerFastKernels: pass the tfjs backend name, e.g. "wasm" or "cpu".');
  }
  registerGradients();
  if (backendName === 'wasm') {
    registerWasmKernels(backendName);
  } else if (backendName === 'cpu' || backendName === 'webgpu') {
    install(tf.BatchMatMul, backendName, (original) => {
      if (!original) throw new Error(`registerFastKernels: backend '${backendName}' has no BatchMatMul kernel.`);
      return broadcastingMatMul(backendName, original.kernelFunc);
    });
  }
  if (backendName === 'webgpu') {
    install(tf.AddN, backendName, (original) => {
      if (!original) throw new Error(`registerFastKernels: backend '${backendName}' has no AddN kernel.`);
      return chunkedAddN(original.kernelFunc);
    });
  }
}
