import * as tf from '@tensorflow/tfjs-core';
import { heapF32, heapI32 } from './wasm-interop';
import type { WasmKernelCall } from './wasm-kernel-call';

/**
 * `UnsortedSegmentSum` for the wasm backend (tfjs-wasm has none; it is the gradient of `gather`):
 * `out[s, ...] = sum of x[i, ...] over all i with segmentIds[i] == s`. `x` is
 * `[...idsShape, ...inner]`, `segmentIds` int32 `idsShape`, the output `[numSegments, ...inner]`.
 * Ids outside `[0, numSegments)` are dropped, as in TensorFlow. Runs in JavaScript on views of
 * the wasm heap (no copies); its cost is one pass over `x`.
 */
export function wasmUnsortedSegmentSum(call: WasmKernelCall): tf.TensorInfo {
  const backend = call.backend;
  const x = call.input('x');
  const ids = call.input('segmentIds');
  const numSegments = call.attrs.numSegments;
  if (typeof numSegments !== 'number' || !Number.isInteger(numSegments) || numSegments < 0) {
    throw new Error(`unsortedSegmentSum: numSegments must be a non-negative integer, got ${String(numSegments)}.`);
  }
  if (ids.dtype !== 'int32') {
    throw new Error(`unsortedSegmentSum: segmentIds must be int32, got ${ids.dtype}; cast them with tf.cast(ids, 'int32').`);
  }
  if (x.dtype !== 'float32' && x.dtype !== 'int32') {
    throw new Error(`unsortedSegmentSum: x must be float32 or int32, got ${x.dtype}.`);
  }
  const idsRank = ids.shape.length;
  if (!tf.util.arraysEqual(x.shape.slice(0, idsRank), ids.shape)) {
    throw new Error(
      `unsortedSegmentSum: segmentIds shape [${ids.shape.join(', ')}] must be a prefix of x's shape ` + `[${x.shape.join(', ')}].`,
    );
  }
  const inner = tf.util.sizeFromShape(x.shape.slice(idsRank));
  const outShape = [numSegments, ...x.shape.slice(idsRank)];
  const out = backend.makeOutput(outShape, x.dtype);
  // Views are taken after makeOutput, which may grow (and so move) the heap.
  const idData = heapI32(backend, ids);
  const xData = x.dtype === 'float32' ? heapF32(backend, x) : heapI32(backend, x);
  const outData = x.dtype === 'float32' ? heapF32(backend, out) : heapI32(backend, out);
  outData.fill(0);
  for (let i = 0; i < idData.length; i++) {
    const s = idData[i] as number;
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner;
    const dst = s * inner;
    for (let j = 0; j < inner; j++) outData[dst + j] = (outData[dst + j] as number) + (xData[src + j] as number);
  }
  return out;
}
