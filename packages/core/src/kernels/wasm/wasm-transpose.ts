import * as tf from '@tensorflow/tfjs-core';
import { planTranspose, transposeInto } from './transpose-plan';
import type { SimdKernels } from './simd-module';
import { heapView } from './wasm-interop';
import type { WasmKernelCall } from './wasm-kernel-call';
import { copyStridedRuns } from './wasm-strided-copy';

/**
 * From this many elements a 2-D transpose is faster tiled in JavaScript than in tfjs-wasm's
 * untiled loop (measured: 4096 x 512 in 5 ms instead of 11 ms).
 */
export const JS_2D_MIN_SIZE = 65536;

/**
 * Writes the transpose of `shape` by `perm` (a simplified plan whose innermost axis stays
 * innermost) from `src` to `dst` (heap byte offsets) as contiguous runs of that axis.
 */
function copyPermutedRuns(simd: SimdKernels, src: number, dst: number, shape: number[], perm: number[], bytes: number): void {
  const r = shape.length;
  const inStride = new Array<number>(r).fill(1);
  for (let i = r - 2; i >= 0; i--) inStride[i] = (inStride[i + 1] as number) * (shape[i + 1] as number);
  const outer = perm.slice(0, r - 1);
  copyStridedRuns(
    simd,
    src,
    dst,
    outer.map((p) => shape[p] as number),
    outer.map((p) => inStride[p] as number),
    shape[r - 1] as number,
    bytes,
  );
}

/**
 * `Transpose` for the wasm backend: axes are simplified first (size-1 axes dropped, adjacent ones
 * merged); then batches of matrix transposes of float32/int32 run in AiT.js's SIMD kernel (4 x 4
 * shuffles in 32 x 32 tiles) and permutations that keep the innermost axis (attention's
 * `[batch, tokens, 3, heads, dh] -> [3, batch, heads, tokens, dh]`) as `memory.copy` runs, where
 * the SIMD module runs; otherwise JavaScript over heap views (block copies, tiles). tfjs-wasm's
 * own kernel walks such rank-5 layouts element by element (about 90 ms for 1.5 M floats).
 * Strings and complex numbers go to the backend's own kernel.
 */
export function wasmTranspose(call: WasmKernelCall): tf.TensorInfo {
  const x = call.input('x');
  const perm = call.attrs.perm as number[];
  if (x.dtype === 'string' || x.dtype === 'complex64') return call.delegate();
  const backend = call.backend;
  const outShape = perm.map((p) => {
    const d = x.shape[p];
    if (d === undefined) throw new Error(`transpose: perm [${perm.join(', ')}] does not fit shape [${x.shape.join(', ')}].`);
    return d;
  });
  const plan = planTranspose(x.shape, perm);
  if (plan.perm.every((p, i) => p === i)) {
    // Same element order: share the data (as Reshape does).
    const data = backend.dataIdMap.get(x.dataId);
    if (!data) throw new Error('transpose: tensor data is not on the wasm backend.');
    (call.backendRaw as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: outShape, dtype: x.dtype };
  }
  const rank = plan.shape.length;
  // batches of matrix transposes of 4-byte elements: AiT.js's SIMD kernel, where it runs
  const swapsLastTwo = (rank === 2 && plan.perm[0] === 1) || (rank === 3 && plan.perm[0] === 0 && plan.perm[1] === 2);
  const simd = call.simdIf(swapsLastTwo && (x.dtype === 'float32' || x.dtype === 'int32'));
  if (simd) {
    const out = call.output(outShape, x.dtype);
    const [batch, rows, cols] = rank === 2 ? [1, ...plan.shape] : plan.shape;
    simd.transposeBatched(call.offset(x), call.offset(out), batch as number, rows as number, cols as number);
    return out;
  }
  // the innermost axis stays innermost: contiguous runs, copied row set by row set
  const bytes = x.dtype === 'bool' ? 1 : 4;
  const runSimd = call.simdIf(rank >= 3 && plan.perm[rank - 1] === rank - 1);
  if (runSimd) {
    const out = call.output(outShape, x.dtype);
    copyPermutedRuns(runSimd, call.offset(x), call.offset(out), plan.shape, plan.perm, bytes);
    return out;
  }
  const useJs = rank >= 5 || (rank === 2 && tf.util.sizeFromShape(x.shape) >= JS_2D_MIN_SIZE);
  if (!useJs) return call.delegate();
  const out = call.output(outShape, x.dtype);
  transposeInto(heapView(backend, x), heapView(backend, out), plan);
  return out;
}
