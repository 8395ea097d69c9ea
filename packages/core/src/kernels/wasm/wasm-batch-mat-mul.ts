import * as tf from '@tensorflow/tfjs-core';
import {
  asWasmBackend,
  memoryOffsetOf,
  reshapeInfo,
  runKernel,
  Scratch,
  swapLastTwo,
  type WasmBackendInternals,
  withPackableOperand,
} from './wasm-interop';
import { matMulGeometry } from '../mat-mul-geometry';
import { simdMatMul } from './wasm-simd-gemm';
import type { WasmKernelCall } from './wasm-kernel-call';

/**
 * Below this many multiply-adds per matrix of a batch, the batched loop (one XNNPACK call per
 * matrix) costs more in call overhead than tfjs-wasm's own blocked loop saves, so the original
 * kernel runs instead.
 */
export const BATCHED_LOOP_MIN_MACS = 2048;

/**
 * Cost of packing one element of XNNPACK's right-hand operand, relative to transposing one
 * element (measured on tfjs-wasm 4.22: packing 4096 x 512 takes about 14 ms, transposing it 5 ms).
 */
const PACK_COST = 2.8;

/**
 * Whether `op(a) op(b)` (2-D) is cheaper computed as `(op(b)^T op(a)^T)^T`: counts the
 * elements that each form transposes and packs. It pays off for weight gradients
 * `x^T dy` with many rows (`k`) and few columns of `x` (`m`).
 */
export function swappedIsCheaper(m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): boolean {
  const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + PACK_COST * k * n;
  const swapped = (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + PACK_COST * k * m + m * n;
  return swapped < 0.8 * direct;
}

const shapeScratch = new WeakMap<object, number>();

/** 24 bytes on the wasm heap for two int32 shapes of rank 3 (allocated once per module). */
function shapeBuffer(backend: WasmBackendInternals): number {
  let ptr = shapeScratch.get(backend.wasm);
  if (ptr === undefined) {
    ptr = backend.wasm._malloc(24);
    shapeScratch.set(backend.wasm, ptr);
  }
  return ptr;
}

/**
 * Runs `count` independent `[m, k] x [k, n]` products on XNNPACK's GEMM (tfjs-wasm's fast path)
 * by registering per-matrix views of the operands' heap memory as temporary tensors. Operands
 * must be contiguous `[count, m, k]` and `[count, k, n]` (or `[1, k, n]` when `bShared`).
 */
function batchedGemm(
  backend: WasmBackendInternals,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  out: tf.TensorInfo,
  count: number,
  m: number,
  k: number,
  n: number,
): void {
  const wasm = backend.wasm;
  const shapes = shapeBuffer(backend);
  const heap32 = wasm.HEAP32;
  const s = shapes >> 2;
  heap32[s] = 1;
  heap32[s + 1] = m;
  heap32[s + 2] = k;
  heap32[s + 3] = 1;
  heap32[s + 4] = k;
  heap32[s + 5] = n;
  const aOff = memoryOffsetOf(backend, a);
  const bOff = memoryOffsetOf(backend, b);
  const oOff = memoryOffsetOf(backend, out);
  const aStride = m * k * 4;
  const bStride = k * n * 4;
  const oStride = m * n * 4;
  for (let i = 0; i < count; i++) {
    const aId = backend.dataIdNextNumber++;
    const bId = backend.dataIdNextNumber++;
    const oId = backend.dataIdNextNumber++;
    wasm.tfjs.registerTensor(aId, m * k, aOff + i * aStride);
    wasm.tfjs.registerTensor(bId, k * n, bOff + i * bStride);
    wasm.tfjs.registerTensor(oId, m * n, oOff + i * oStride);
    wasm._BatchMatMul(aId, shapes, 3, bId, shapes + 12, 3, 0, 0, oId);
    // dispose_data only forgets the ids (and the XNNPACK operator cached on bId); the memory
    // belongs to the operands.
    wasm.tfjs.disposeData(aId);
    wasm.tfjs.disposeData(bId);
    wasm.tfjs.disposeData(oId);
  }
}

/** Broadcasts `info` (`[...outer, r, c]`) over the batch shape `outerOut` with the Tile kernel. */
function broadcastBatch(backendName: string, backend: unknown, scratch: Scratch, info: tf.TensorInfo, outerOut: number[]): tf.TensorInfo {
  const rank = outerOut.length + 2;
  const padded = [...new Array<number>(rank - info.shape.length).fill(1), ...info.shape];
  const reps = padded.map((d, i) => (i < outerOut.length ? (outerOut[i] as number) / d : 1));
  const x = scratch.keep(reshapeInfo(backendName, backend, info, padded));
  if (reps.every((r) => r === 1)) return x;
  return scratch.keep(runKernel(tf.Tile, backendName, backend, { x }, { reps }));
}

/**
 * A `BatchMatMul` that keeps every case on a fast GEMM: AiT.js's SIMD GEMM where it runs (see
 * {@link simdMatMul}); otherwise XNNPACK's, where transposed operands are
 * materialised with the Transpose kernel, batch dimensions shared by one operand are folded into
 * the rows of one GEMM, and truly batched products run one GEMM per matrix on heap views.
 * `original` is the backend's own kernel, used for the untransposed 2-D GEMM and for tiny
 * batched products. Returns a new TensorInfo of shape `[...broadcastBatch, m, n]`.
 */
export function wasmFastMatMul(
  backendName: string,
  backendRaw: unknown,
  original: tf.KernelFunc,
  a: tf.TensorInfo,
  b: tf.TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
): tf.TensorInfo {
  const backend = asWasmBackend(backendRaw);
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new Error(`matMul on wasm needs float32 operands, got ${a.dtype} and ${b.dtype}; cast them with tf.cast(x, 'float32').`);
  }
  const g = matMulGeometry(a.shape, b.shape, transposeA, transposeB);
  const viaSimd = simdMatMul(backend, a, b, transposeA, transposeB, g);
  if (viaSimd) return viaSimd;
  const { m, k, n } = g;
  const scratch = new Scratch(backend);
  const callOriginal = (x: tf.TensorInfo, y: tf.TensorInfo): tf.TensorInfo =>
    withPackableOperand(backend, y, y.shape[1] as number, y.shape[2] as number, (operand) => {
      const out = original({
        inputs: { a: x, b: operand },
        backend: backendRaw as object,
        attrs: { transposeA: false, transposeB: false },
      });
      return out as tf.TensorInfo;
    });
  try {
    if (g.batch === 0 || m === 0 || n === 0 || k === 0) {
      const out = backend.makeOutput(g.outShape, 'float32');
      if (k === 0 && g.batch * m * n > 0) {
        new Float32Array(backend.wasm.HEAPF32.buffer, memoryOffsetOf(backend, out), g.batch * m * n).fill(0);
      }
      return out;
    }
    if (g.batchA === 1 && g.batchB === 1 && swappedIsCheaper(m, k, n, transposeA, transposeB)) {
      // out^T = op(b)^T op(a)^T: XNNPACK packs its right operand on every call (slowly), so pack
      // the smaller of the two and let the big one stream through as the left operand.
      const lhs = transposeB ? b : scratch.keep(swapLastTwo(backendName, backendRaw, b));
      const rhs = transposeA ? a : scratch.keep(swapLastTwo(backendName, backendRaw, a));
      const l3 = scratch.keep(reshapeInfo(backendName, backendRaw, lhs, [1, n, k]));
      const r3 = scratch.keep(reshapeInfo(backendName, backendRaw, rhs, [1, k, m]));
      const outT = scratch.keep(callOriginal(l3, r3));
      const outT2 = scratch.keep(reshapeInfo(backendName, backendRaw, outT, [n, m]));
      const out = swapLastTwo(backendName, backendRaw, outT2);
      out.shape = g.outShape;
      return out;
    }
    if (g.batchB === 1) {
      // Every matrix of `a` meets the same `b`: one GEMM over all rows of `a`.
      const aa = transposeA ? scratch.keep(swapLastTwo(backendName, backendRaw, a)) : a;
      const bb = transposeB ? scratch.keep(swapLastTwo(backendName, backendRaw, b)) : b;
      const a3 = scratch.keep(reshapeInfo(backendName, backendRaw, aa, [1, g.batchA * m, k]));
      const b3 = scratch.keep(reshapeInfo(backendName, backendRaw, bb, [1, k, n]));
      const out = callOriginal(a3, b3);
      out.shape = g.outShape;
      return out;
    }
    if (g.batchA === 1) {
      // out[i] = A B[i], so out[i]^T = B[i]^T A^T: one GEMM over the rows of all B[i]^T.
      const bt = transposeB ? b : scratch.keep(swapLastTwo(backendName, backendRaw, b));
      const at = transposeA ? a : scratch.keep(swapLastTwo(backendName, backendRaw, a));
      const b3 = scratch.keep(reshapeInfo(backendName, backendRaw, bt, [1, g.batchB * n, k]));
      const a3 = scratch.keep(reshapeInfo(backendName, backendRaw, at, [1, k, m]));
      const r = scratch.keep(callOriginal(b3, a3));
      const r3 = scratch.keep(reshapeInfo(backendName, backendRaw, r, [g.batchB, n, m]));
      const out = swapLastTwo(backendName, backendRaw, r3);
      out.shape = g.outShape;
      return out;
    }
    let aa = a;
    let bb = b;
    if (g.batchA !== g.batch) aa = broadcastBatch(backendName, backendRaw, scratch, aa, g.outerOut);
    if (g.batchB !== g.batch) bb = broadcastBatch(backendName, backendRaw, scratch, bb, g.outerOut);
    if (m * n * k < BATCHED_LOOP_MIN_MACS) {
      // Tiny matrices: the original blocked loop (it handles transposes, not two-way broadcasting).
      const out = original({ inputs: { a: aa, b: bb }, backend: backendRaw as object, attrs: { transposeA, transposeB } });
      (out as tf.TensorInfo).shape = g.outShape;
      return out as tf.TensorInfo;
    }
    if (transposeA) aa = scratch.keep(swapLastTwo(backendName, backendRaw, aa));
    if (transposeB) bb = scratch.keep(swapLastTwo(backendName, backendRaw, bb));
    const out = backend.makeOutput(g.outShape, 'float32');
    batchedGemm(backend, aa, bb, out, g.batch, m, k, n);
    return out;
  } finally {
    scratch.release();
  }
}

/** The `BatchMatMul` kernel for the wasm backend: {@link wasmFastMatMul} on inputs `a` and `b`. */
export function wasmBatchMatMul(call: WasmKernelCall): tf.TensorInfo {
  const { attrs } = call;
  const [a, b] = [call.input('a'), call.input('b')];
  return wasmFastMatMul(
    call.backendName,
    call.backendRaw,
    call.originalKernel(),
    a,
    b,
    attrs.transposeA === true,
    attrs.transposeB === true,
  );
}
