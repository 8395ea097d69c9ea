import type * as tf from '@tensorflow/tfjs-core';
import { requireSimdKernels } from './simd-module';
import { runElementwise } from './wasm-elementwise';
import { memoryOffsetOf } from './wasm-interop';

/** Kernel name of exact GELU, `y = x Phi(x)` (inputs `{x}`, float32, any shape). */
export const GELU_KERNEL = 'AitGelu';
/**
 * Kernel name of exact GELU with its derivative: inputs `{x}`, outputs `[y, slope]` with
 * `slope = Phi(x) + x phi(x)`, so that the gradient is `dy * slope`.
 */
export const GELU_WITH_SLOPE_KERNEL = 'AitGeluWithSlope';

interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
}

/**
 * {@link GELU_KERNEL} for the wasm backend: one pass of the SIMD kernel (on every thread of the
 * GEMM pool for large tensors).
 */
export function wasmGelu({ inputs, backend: backendRaw }: KernelArgs): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const { backend, simd } = requireSimdKernels(backendRaw, GELU_KERNEL);
  const out = backend.makeOutput([...x.shape], 'float32');
  const n = x.shape.reduce((a, b) => a * b, 1);
  runElementwise(backend, simd, 'gelu', memoryOffsetOf(backend, x), memoryOffsetOf(backend, out), 0, n);
  return out;
}

/**
 * {@link GELU_WITH_SLOPE_KERNEL} for the wasm backend: one pass of the SIMD kernel (on every
 * thread of the GEMM pool for large tensors).
 */
export function wasmGeluWithSlope({ inputs, backend: backendRaw }: KernelArgs): tf.TensorInfo[] {
  const x = inputs.x as tf.TensorInfo;
  const { backend, simd } = requireSimdKernels(backendRaw, GELU_KERNEL);
  const y = backend.makeOutput([...x.shape], 'float32');
  const slope = backend.makeOutput([...x.shape], 'float32');
  const n = x.shape.reduce((a, b) => a * b, 1);
  runElementwise(backend, simd, 'geluWithSlope', memoryOffsetOf(backend, x), memoryOffsetOf(backend, y), memoryOffsetOf(backend, slope), n);
  return [y, slope];
}
