import type * as tf from '@tensorflow/tfjs-core';
import type { MatMulGeometry } from '../mat-mul-geometry';
import { gemmPoolFor, type GemmJob } from './gemm-pool';
import { simdGemmTile } from './gemm-tile';
import { simdKernelsFor } from './simd-module';
import { memoryOffsetOf, type WasmBackendInternals } from './wasm-interop';

/**
 * k-block lengths of the SIMD GEMM (measured on a 2-core Zen 4 at 4096 x 128 x 512): 256 where A
 * is row-major or packed, 64 for a transposed A read in place (one cache line per k), so that the
 * strips of A and the packed panels of B a tile reads stay in L1 and L2.
 */
const KC = 256;
const KC_COLUMNS = 64;

/**
 * A transposed A (`[k, m]`) whose rows are at least this many bytes apart is packed into row
 * panels per k block; closer rows read well in place (measured: 256 x [64, 64]^T [64, 16] takes
 * 0.72 ms in place and 0.91 packed, [4, 16, 4096]^T [4, 16, 32] 0.82 in place and 0.44 packed).
 */
const PACK_A_MIN_STRIDE = 4096;

/** From this many rows of C on, a row-major B is repacked into contiguous panels (measured: +5-18 % at n >= 512). */
const PACK_MIN_ROWS = 64;

/**
 * With tfjs-wasm's threaded build, single products above this many multiply-adds go to XNNPACK's
 * thread pool (at 256 x 256 x 256 it and this single-threaded kernel are about even on 2 cores).
 */
const THREADED_MIN_MACS = 256 * 256 * 256;

/**
 * `op(a) op(b) (+ bias)` on AiT.js's SIMD GEMM, which reads both operands with any strides: a
 * transposed operand is packed by the kernel straight from where it lies, k block by k block, or
 * (a transposed A with short rows) read in place: weight gradients `x^T dy` and data gradients
 * `dy W^T` need no transposed copy first.
 * Handles 2-D and batched products where each operand's batch is the result's or 1 (broadcast);
 * `bias`, if given, must be a float32 `[n]` vector. The kernel runs on the calling thread, and
 * on the backend's GEMM pool when `initBackend` started one (`wasmThreads` > 1: large products
 * are cut into blocks of rows and columns that every thread takes). Where XNNPACK itself runs
 * several threads (tfjs-wasm's threaded build started with more), single products larger than
 * 256^3 multiply-adds are left to its pool.
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
  // every matrix of a row-major a meets the same b: one product over all rows
  const folded = batch > 1 && batchB === 1 && !transposeA;
  const oneProduct = batch === 1 || folded;
  const threads = backend.wasm.tfjs.getThreadsCount?.() ?? 1;
  if (oneProduct && threads > 1 && batch * m * k * n > THREADED_MIN_MACS) return null;
  const out = backend.makeOutput(g.outShape, 'float32');
  if (batch * m * n === 0) return out;
  const wasm = backend.wasm;
  const rows = folded ? batch * m : m;
  // packing (into scratch, raw heap memory with no tensor bookkeeping; with a GEMM pool every
  // thread has its own): a transposed B always, a row-major one when many row tiles reuse its
  // panels, a transposed A when its rows are far apart
  const packA = transposeA && m * 4 >= PACK_A_MIN_STRIDE;
  const packing = (!transposeB && rows >= PACK_MIN_ROWS ? 1 : 0) | (packA ? 2 : 0);
  const kc = transposeA && !packA ? KC_COLUMNS : KC;
  const pool = gemmPoolFor(backend);
  const packStride = transposeB || packing ? Math.min(k, kc) * (24 + (n & ~7)) * 4 : 0;
  const pack = packStride > 0 && k > 0 ? wasm._malloc(packStride * (pool?.threads ?? 1)) : 0;
  if (packStride > 0 && k > 0 && !pack) {
    throw new Error(
      `matMul on wasm: the WebAssembly heap has no room for the GEMM's packing buffers ` +
        `([${a.shape.join(', ')}] x [${b.shape.join(', ')}]); free tensors (dispose / tf.tidy) or use smaller batches.`,
    );
  }
  try {
    // offsets only now: malloc may have grown the heap
    const job: GemmJob = {
      a: memoryOffsetOf(backend, a),
      sAb: folded || batchA === 1 ? 0 : m * k * 4,
      sAi: transposeA ? 4 : k * 4,
      sAk: transposeA ? m * 4 : 4,
      b: memoryOffsetOf(backend, b),
      sBb: batchB === 1 ? 0 : k * n * 4,
      sBk: transposeB ? 4 : n * 4,
      sBj: transposeB ? k * 4 : 4,
      c: memoryOffsetOf(backend, out),
      batch: folded ? 1 : batch,
      m: rows,
      k,
      n,
      bias: bias ? memoryOffsetOf(backend, bias) : 0,
      hasBias: bias ? 1 : 0,
      kc,
      pack,
      packStride,
      packing,
    };
    // 6 x 16 tiles where V8 revectorizes them (Node 24+), else 4 x 8 (see SimdGemmTile)
    const tile = simdGemmTile();
    const gemm = tile === '6x16' ? simd.gemmWide : simd.gemm;
    if (pool) pool.run(gemm, job, tile);
    else {
      const j = job;
      gemm(j.a, j.sAb, j.sAi, j.sAk, j.b, j.sBb, j.sBk, j.sBj, j.c, n * 4, j.batch, j.m, k, n, j.bias, j.hasBias, kc, pack, packing);
    }
  } finally {
    if (pack) wasm._free(pack);
  }
  return out;
}
