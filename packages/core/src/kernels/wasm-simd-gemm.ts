import type * as tf from '@tensorflow/tfjs-core';
import type { MatMulGeometry } from './wasm-batch-mat-mul';
import { gemmPoolFor } from './gemm-pool';
import { simdGemmTile } from './gemm-tile';
import { simdKernelsFor } from './simd-module';
import { memoryOffsetOf, type WasmBackendInternals } from './wasm-interop';

/**
 * k-block lengths of the SIMD GEMM (measured on a 2-core Zen 4 at 4096 x 128 x 512): 256 for a
 * row-major left operand, 64 for a transposed one, which reads one cache line per k.
 */
const KC_ROWS = 256;
const KC_COLUMNS = 64;

/** From this many rows of C on, B is repacked into contiguous panels (measured: +5-18 % at n >= 512). */
const PACK_MIN_ROWS = 64;

/**
 * With tfjs-wasm's threaded build, single products above this many multiply-adds go to XNNPACK's
 * thread pool (at 256 x 256 x 256 it and this single-threaded kernel are about even on 2 cores).
 */
const THREADED_MIN_MACS = 256 * 256 * 256;

/**
 * `op(a) op(b) (+ bias)` on AiT.js's SIMD GEMM, which reads the left operand with any strides
 * and the right one row-major: a transposed `b` is transposed once into scratch memory first
 * (`k * n` elements, small next to the `m * k * n` products), and so is a transposed `a` when
 * `n >= 32` (the kernel reads a row-major `a` faster); with fewer columns it is read in place.
 * `a^T b^T` runs as `(b a)^T`, and a 2-D `a^T b` whose `a` is the larger operand as `(b^T a)^T`:
 * both copy less.
 * Handles 2-D and batched products where each operand's batch is the result's or 1 (broadcast);
 * `bias`, if given, must be a float32 `[n]` vector. The kernel runs on the calling thread, and
 * on the backend's GEMM pool when `initBackend` started one (`wasmThreads` > 1: large products
 * are cut into chunks of rows that every thread takes). Where XNNPACK itself runs several threads
 * (tfjs-wasm's threaded build started with more), single products larger than 256^3
 * multiply-adds are left to its pool.
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
  // A transposed copy of a costs m k element moves against m k n multiply-adds: worth it from
  // n = 32 on, after which the row-major kernel (and folding a shared b) applies.
  const copyA = transposeA && n >= 32;
  const rowMajorA = !transposeA || copyA;
  const oneProduct = batch === 1 || (batchB === 1 && rowMajorA);
  const threads = backend.wasm.tfjs.getThreadsCount?.() ?? 1;
  if (oneProduct && threads > 1 && batch * m * k * n > THREADED_MIN_MACS) return null;
  // a^T b^T = (b a)^T: a product of the stored operands and one copy of the result (m n) instead
  // of copies of both operands; a^T b with a wide a (weight gradients x^T dy where x has the more
  // columns) = (b^T a)^T, which copies b (k n) and the result instead of a (m k)
  const swapBoth = transposeA && transposeB && m * n < m * k + k * n;
  const swapLeft = batch === 1 && transposeA && !transposeB && k * n + m * n < 0.8 * m * k;
  if (!bias && m * n > 0 && (swapBoth || swapLeft)) {
    const swappedGeometry = { ...g, m: n, n: m, batchA: batchB, batchB: batchA, outShape: [batch, n, m] };
    const swapped = simdMatMul(backend, b, a, swapLeft, false, swappedGeometry);
    if (!swapped) return null;
    const out = backend.makeOutput(g.outShape, 'float32');
    simd.transposeBatched(memoryOffsetOf(backend, swapped), memoryOffsetOf(backend, out), batch, n, m);
    backend.disposeData(swapped.dataId);
    return out;
  }
  const out = backend.makeOutput(g.outShape, 'float32');
  if (batch * m * n === 0) return out;
  // transposed copies live in raw heap memory (malloc/free: no tensor bookkeeping)
  const wasm = backend.wasm;
  const aCopy = copyA ? wasm._malloc(batchA * m * k * 4) : 0;
  const bCopy = transposeB ? wasm._malloc(batchB * k * n * 4) : 0;
  const folded = batchB === 1 && rowMajorA;
  const rows = folded ? batch * m : m;
  const kc = rowMajorA ? KC_ROWS : KC_COLUMNS;
  const n8 = n - (n % 8);
  // B repacked into contiguous panels once per k block pays off when many row tiles reuse them;
  // with a GEMM pool every thread packs into its own scratch
  const pool = gemmPoolFor(backend);
  const packStride = rows >= PACK_MIN_ROWS && n8 > 0 ? Math.min(k, kc) * n8 * 4 : 0;
  const pack = packStride > 0 ? wasm._malloc(packStride * (pool?.threads ?? 1)) : 0;
  if ((copyA && !aCopy) || (transposeB && !bCopy)) {
    throw new Error(
      `matMul on wasm: the WebAssembly heap has no room for a transposed copy of an operand ` +
        `([${a.shape.join(', ')}] x [${b.shape.join(', ')}]); free tensors (dispose / tf.tidy) or use smaller batches.`,
    );
  }
  try {
    // offsets only now: malloc may have grown the heap
    let aOff = memoryOffsetOf(backend, a);
    let bOff = memoryOffsetOf(backend, b);
    if (copyA) {
      // a is [batchA, k, m]: make it [batchA, m, k]
      simd.transposeBatched(aOff, aCopy, batchA, k, m);
      aOff = aCopy;
    }
    if (transposeB) {
      // b is [batchB, n, k]: make it [batchB, k, n]
      simd.transposeBatched(bOff, bCopy, batchB, n, k);
      bOff = bCopy;
    }
    const cOff = memoryOffsetOf(backend, out);
    const biasOff = bias ? memoryOffsetOf(backend, bias) : 0;
    const hasBias = bias ? 1 : 0;
    const common = { b: bOff, sBk: n * 4, c: cOff, k, n, bias: biasOff, hasBias, kc, pack, packStride };
    // every matrix of a meets the same b (folded): one product over all rows
    const call = folded
      ? { ...common, a: aOff, sAb: 0, sAi: k * 4, sAk: 4, sBb: 0, batch: 1, m: rows }
      : {
          ...common,
          a: aOff,
          sAb: batchA === 1 ? 0 : m * k * 4,
          sAi: rowMajorA ? k * 4 : 4,
          sAk: rowMajorA ? 4 : m * 4,
          sBb: batchB === 1 ? 0 : k * n * 4,
          batch,
          m,
        };
    // 6 x 16 tiles where V8 revectorizes them (Node 24+), else 4 x 8 (see SimdGemmTile)
    const tile = simdGemmTile();
    const gemm = tile === '6x16' ? simd.gemmStridedAWide : simd.gemmStridedA;
    if (pool) pool.run(gemm, call, tile);
    else
      gemm(call.a, call.sAb, call.sAi, call.sAk, call.b, call.sBb, call.sBk, call.c, call.batch, call.m, k, n, biasOff, hasBias, kc, pack);
  } finally {
    if (pack) wasm._free(pack);
    if (aCopy) wasm._free(aCopy);
    if (bCopy) wasm._free(bCopy);
  }
  return out;
}
