import type * as tf from '@tensorflow/tfjs-core';
import { simdKernelsFor, type SimdKernels } from './simd-module';
import { runElementwise } from './wasm-elementwise';
import { asWasmBackend, memoryOffsetOf } from './wasm-interop';

/** The elementwise float32 kernels that AiT.js's SIMD module replaces on wasm. */
export type SimdUnaryOp = 'exp' | 'erf';

/**
 * A unary kernel (`Exp`, `Erf`) for the wasm backend: float32 inputs run through AiT.js's SIMD
 * kernel `op` (tfjs-wasm's own loops call the scalar C library function per element, about 5 ns
 * each), on every thread of the GEMM pool for large tensors; other dtypes, or a backend without the SIMD module, go to `original`.
 */
export function wasmUnarySimd(
  op: SimdUnaryOp,
  backendRaw: unknown,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  original: tf.KernelFunc,
): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const backend = asWasmBackend(backendRaw);
  const simd: SimdKernels | null = x.dtype === 'float32' ? simdKernelsFor(backend) : null;
  if (!simd) return original({ inputs, backend: backendRaw as object, attrs }) as tf.TensorInfo;
  const out = backend.makeOutput([...x.shape], 'float32');
  const n = x.shape.reduce((a, b) => a * b, 1);
  runElementwise(backend, simd, op, memoryOffsetOf(backend, x), memoryOffsetOf(backend, out), 0, n);
  return out;
}
