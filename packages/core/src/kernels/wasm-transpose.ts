import * as tf from '@tensorflow/tfjs-core';
import { planTranspose, transposeInto } from './transpose-plan';
import { simdKernelsFor } from './simd-module';
import { asWasmBackend, heapView, memoryOffsetOf } from './wasm-interop';

/**
 * From this many elements a 2-D transpose is faster tiled in JavaScript than in tfjs-wasm's
 * untiled loop (measured: 4096 x 512 in 5 ms instead of 11 ms).
 */
export const JS_2D_MIN_SIZE = 65536;

/**
 * `Transpose` for the wasm backend in JavaScript over heap views: axes are simplified first
 * (size-1 axes dropped, adjacent ones merged), runs of an unmoved innermost axis are block
 * copies and matrix transposes are tiled. tfjs-wasm's own kernel walks rank-5 layouts such as
 * attention's `[batch, tokens, 3, heads, dh] -> [3, batch, heads, tokens, dh]` element by
 * element (about 90 ms for 1.5 M floats); this takes a few. Strings go to `original`.
 */
export function wasmTranspose(
  backendRaw: unknown,
  original: tf.KernelFunc,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const perm = attrs.perm as number[];
  if (x.dtype === 'string' || x.dtype === 'complex64') {
    return original({ inputs, backend: backendRaw as object, attrs }) as tf.TensorInfo;
  }
  const backend = asWasmBackend(backendRaw);
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
    (backendRaw as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: outShape, dtype: x.dtype };
  }
  const rank = plan.shape.length;
  // batches of matrix transposes of 4-byte elements: AiT.js's SIMD kernel, where it runs
  const swapsLastTwo = (rank === 2 && plan.perm[0] === 1) || (rank === 3 && plan.perm[0] === 0 && plan.perm[1] === 2);
  const simd = swapsLastTwo && (x.dtype === 'float32' || x.dtype === 'int32') ? simdKernelsFor(backend) : null;
  if (simd) {
    const out = backend.makeOutput(outShape, x.dtype);
    const [batch, rows, cols] = rank === 2 ? [1, ...plan.shape] : plan.shape;
    simd.transposeBatched(memoryOffsetOf(backend, x), memoryOffsetOf(backend, out), batch as number, rows as number, cols as number);
    return out;
  }
  const useJs = rank >= 5 || (rank === 2 && tf.util.sizeFromShape(x.shape) >= JS_2D_MIN_SIZE);
  if (!useJs) return original({ inputs, backend: backendRaw as object, attrs }) as tf.TensorInfo;
  const out = backend.makeOutput(outShape, x.dtype);
  transposeInto(heapView(backend, x), heapView(backend, out), plan);
  return out;
}
