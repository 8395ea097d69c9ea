import * as tf from '@tensorflow/tfjs-core';
import { runElementwise } from './wasm-elementwise';
import type { WasmKernelCall } from './wasm-kernel-call';

/** Kernel name of exact GELU, `y = x Phi(x)` (inputs `{x}`, float32, any shape). */
export const GELU_KERNEL = 'AitGelu';
/**
 * Kernel name of exact GELU with its derivative: inputs `{x}`, outputs `[y, slope]` with
 * `slope = Phi(x) + x phi(x)`, so that the gradient is `dy * slope`.
 */
export const GELU_WITH_SLOPE_KERNEL = 'AitGeluWithSlope';

/**
 * {@link GELU_KERNEL} for the wasm backend: one pass of the SIMD kernel (on every thread of the
 * GEMM pool for large tensors).
 */
export function wasmGelu(call: WasmKernelCall): tf.TensorInfo {
  const x = call.input('x');
  const simd = call.requireSimd();
  const out = call.output(x.shape);
  runElementwise(call.backend, simd, 'gelu', call.offset(x), call.offset(out), 0, tf.util.sizeFromShape(x.shape));
  return out;
}

/**
 * {@link GELU_WITH_SLOPE_KERNEL} for the wasm backend: one pass of the SIMD kernel (on every
 * thread of the GEMM pool for large tensors).
 */
export function wasmGeluWithSlope(call: WasmKernelCall): tf.TensorInfo[] {
  const x = call.input('x');
  const simd = call.requireSimd();
  const y = call.output(x.shape);
  const slope = call.output(x.shape);
  runElementwise(call.backend, simd, 'geluWithSlope', call.offset(x), call.offset(y), call.offset(slope), tf.util.sizeFromShape(x.shape));
  return [y, slope];
}
