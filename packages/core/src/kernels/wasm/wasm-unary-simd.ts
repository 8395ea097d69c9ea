import type * as tf from '@tensorflow/tfjs-core';
import { unaryElementwise } from './wasm-elementwise';
import type { WasmKernelCall } from './wasm-kernel-call';

/** The elementwise float32 kernels that AiT.js's SIMD module replaces on wasm. */
export type SimdUnaryOp = 'exp' | 'erf';

/**
 * A unary kernel (`Exp`, `Erf`) for the wasm backend: float32 inputs run through AiT.js's SIMD
 * kernel `op` (tfjs-wasm's own loops call the scalar C library function per element, about 5 ns
 * each), on every thread of the GEMM pool for large tensors; other dtypes, or a backend without
 * the SIMD module, go to the backend's own kernel.
 */
export function wasmUnarySimd(op: SimdUnaryOp, call: WasmKernelCall): tf.TensorInfo {
  return unaryElementwise(call, op);
}
