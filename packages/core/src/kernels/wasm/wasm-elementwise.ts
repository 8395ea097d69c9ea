import type * as tf from '@tensorflow/tfjs-core';
import { gemmPoolFor } from './gemm-pool';
import type { SimdKernels } from './simd-module';
import type { WasmBackendInternals } from './wasm-interop';
import type { WasmKernelCall } from './wasm-kernel-call';

/** The elementwise kernels of `assembly/elementwise.ts`, by their `op` number. */
export const ELEMENTWISE_OP = { gelu: 0, geluWithSlope: 1, exp: 2, erf: 3, multiply: 4, step: 5, biasAdd: 6, add: 7 } as const;

/** An elementwise kernel of {@link ELEMENTWISE_OP}. */
export type ElementwiseOp = keyof typeof ELEMENTWISE_OP;

/**
 * Runs elementwise kernel `op` on `size` float32 elements at the heap offsets `x`, `y`, `z` (see
 * `SimdKernels.elementwise` for which it reads and writes): on the backend's GEMM pool when it has
 * one and the array is large (ranges of elements on every thread; bit-identical to one thread),
 * else on the calling thread.
 */
export function runElementwise(
  backend: WasmBackendInternals,
  simd: SimdKernels,
  op: ElementwiseOp,
  x: number,
  y: number,
  z: number,
  size: number,
  s = 0,
  period = 1,
): void {
  if (size <= 0) return;
  const pool = gemmPoolFor(backend);
  if (pool) pool.runElementwise(simd.elementwise, ELEMENTWISE_OP[op], x, y, z, size, s, period);
  else simd.elementwise(ELEMENTWISE_OP[op], x, y, z, 0, size, s, period);
}

/** Below this many elements the same-shape `Multiply` and `Add` stay tfjs-wasm's own (one thread's loop is as fast). */
const POOLED_MIN_SIZE = 1 << 16;

/** Below this many elements a bias `Add` stays tfjs-wasm's own. */
const BIAS_ADD_MIN_SIZE = 1 << 12;

function sizeOf(info: tf.TensorInfo): number {
  return info.shape.reduce((p, d) => p * d, 1);
}

function sameShape(a: tf.TensorInfo, b: tf.TensorInfo): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

/** Whether `v` is a vector along the last axis of `x` (`[c]`, `[1, c]`, ...) that `x` is not. */
function isLastAxisVector(x: tf.TensorInfo, v: tf.TensorInfo): boolean {
  const c = x.shape[x.shape.length - 1];
  return (
    c !== undefined &&
    v.shape.length >= 1 &&
    v.shape.length <= x.shape.length &&
    v.shape[v.shape.length - 1] === c &&
    v.shape.slice(0, -1).every((d) => d === 1) &&
    sizeOf(x) > c
  );
}

/**
 * A same-shape float32 binary kernel of at least 65536 elements on every thread of the GEMM pool
 * (op `multiply` or `add`); null where that does not apply.
 */
function pooledBinary(call: WasmKernelCall, op: 'multiply' | 'add', a: tf.TensorInfo, b: tf.TensorInfo): tf.TensorInfo | null {
  const size = sizeOf(a);
  if (!sameShape(a, b) || size < POOLED_MIN_SIZE || !gemmPoolFor(call.backend)) return null;
  const simd = call.floatSimd(a, b);
  if (!simd) return null;
  const out = call.output(a.shape);
  runElementwise(call.backend, simd, op, call.offset(a), call.offset(b), call.offset(out), size);
  return out;
}

/**
 * `Multiply` for the wasm backend: two float32 tensors of one shape with at least 65536 elements
 * (GELU's gradient `dy * slope`, masks) are multiplied by AiT.js's SIMD kernel on every thread of
 * the GEMM pool; everything else (broadcasting, other dtypes, small tensors, no pool) goes to the
 * backend's own kernel.
 */
export function wasmMultiply(call: WasmKernelCall): tf.TensorInfo {
  return pooledBinary(call, 'multiply', call.input('a'), call.input('b')) ?? call.delegate();
}

/**
 * `Add` for the wasm backend: a float32 tensor `[..., c]` plus a bias vector `[c]` (either order;
 * tfjs-wasm's broadcasting loop takes about 3 ns per element) in one SIMD pass, on every thread of
 * the GEMM pool for large tensors; two float32 tensors of one shape with at least 65536 elements
 * (residual sums) on the pool's threads. Everything else goes to the backend's own kernel.
 */
export function wasmAdd(call: WasmKernelCall): tf.TensorInfo {
  const a = call.input('a');
  const b = call.input('b');
  const same = pooledBinary(call, 'add', a, b);
  if (same) return same;
  const [x, v] = isLastAxisVector(a, b) ? [a, b] : isLastAxisVector(b, a) ? [b, a] : [null, null];
  const simd = x && v && sizeOf(x) >= BIAS_ADD_MIN_SIZE ? call.floatSimd(x, v) : null;
  if (!x || !v || !simd) return call.delegate();
  const out = call.output(x.shape);
  const period = x.shape[x.shape.length - 1] as number;
  runElementwise(call.backend, simd, 'biasAdd', call.offset(x), call.offset(v), call.offset(out), sizeOf(x), 0, period);
  return out;
}

/**
 * `Step` (`x > 0 ? 1 : alpha`, NaN kept; the gradient of ReLU) for float32 on the wasm backend in
 * one SIMD pass, on every thread of the GEMM pool for large tensors; other dtypes go to the
 * backend's own kernel.
 */
export function wasmStep(call: WasmKernelCall): tf.TensorInfo {
  const alpha = typeof call.attrs.alpha === 'number' ? call.attrs.alpha : 0;
  return unaryElementwise(call, 'step', alpha);
}

/**
 * Runs elementwise kernel `op` (a unary one: `x` in, one output like it) on input `x` of `call`
 * where it is float32 and AiT.js's SIMD kernels run, on every thread of the GEMM pool for large
 * tensors; otherwise hands the call to the backend's own kernel.
 */
export function unaryElementwise(call: WasmKernelCall, op: ElementwiseOp, s = 0): tf.TensorInfo {
  const x = call.input('x');
  const simd = call.floatSimd(x);
  if (!simd) return call.delegate();
  const out = call.output(x.shape);
  runElementwise(call.backend, simd, op, call.offset(x), call.offset(out), 0, sizeOf(x), s);
  return out;
}
