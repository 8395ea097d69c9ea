import type * as tf from '@tensorflow/tfjs-core';
import type { MatMulGeometry } from './wasm-batch-mat-mul';
import { simdKernelsFor } from './simd-module';
import { memoryOffsetOf, type WasmBackendInternals } from './wasm-interop';

/**
 * `op(a) op(b) (+ bias)` on AiT.js's SIMD GEMM, which reads the left operand with any strides
 * (so `transposeA` costs nothing) and the right one row-major: a transposed `b` is transposed
 * once into scratch memory first (`k * n` elements, small next to the `m * k * n` products).
 * Handles 2-D and batched products where each operand's batch is the result's or 1 (broadcast);
 * `bias`, if given, must be a float32 `[n]` vector. The kernel runs on one thread: with
 * tfjs-wasm's threaded build (more than one thread), single large products are left to XNNPACK's
 * thread pool and only batched ones (attention), where XNNPACK pays a call per matrix, run here.
 * Returns null, doing nothing, where the SIMD kernels are not available, the batch broadcasts
 * both ways, or the product is left to XNNPACK; the caller then uses XNNPACK.
 */
export function simdMatMul(
  backend: WasmBackendInternals,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  g: MatMulGeometry,
  bias?: tf.TensorInfo,
): tf.TensorInfo | null {
  const simd = simdKernelsFor(backend);
  if (!simd) return null;
  const { m, k, n, batch, batchA, batchB } = g;
  if ((batchA !== batch && batchA !== 1) || (batchB !== batch && batchB !== 1)) return null;
  const oneProduct = batch === 1 || (batchB === 1 && !transposeA);
  if (oneProduct && (backend.wasm.tfjs.getThreadsCount?.() ?? 1) > 1) return null;
  const out = backend.makeOutput(g.outShape, 'float32');
  if (batch * m * n === 0) return out;
  let right = b;
  let scratch: tf.TensorInfo | null = null;
  if (transposeB) {
    // b is [batchB, n, k]: make it [batchB, k, n]
    scratch = backend.makeOutput([batchB, k, n], 'float32');
    simd.transposeBatched(memoryOffsetOf(backend, b), memoryOffsetOf(backend, scratch), batchB, n, k);
    right = scratch;
  }
  try {
    const aOff = memoryOffsetOf(backend, a);
    const bOff = memoryOffsetOf(backend, right);
    const cOff = memoryOffsetOf(backend, out);
    const biasOff = bias ? memoryOffsetOf(backend, bias) : 0;
    const hasBias = bias ? 1 : 0;
    if (batchB === 1 && !transposeA) {
      // every matrix of a meets the same b: one product over all rows
      simd.gemmStridedA(aOff, 0, k * 4, 4, bOff, 0, n * 4, cOff, 1, batch * m, k, n, biasOff, hasBias);
    } else {
      const sAb = batchA === 1 ? 0 : m * k * 4;
      const sBb = batchB === 1 ? 0 : k * n * 4;
      const sAi = transposeA ? 4 : k * 4;
      const sAk = transposeA ? m * 4 : 4;
      simd.gemmStridedA(aOff, sAb, sAi, sAk, bOff, sBb, n * 4, cOff, batch, m, k, n, biasOff, hasBias);
    }
  } finally {
    if (scratch) backend.disposeData(scratch.dataId);
  }
  return out;
}
