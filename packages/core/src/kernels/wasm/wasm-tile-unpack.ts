import * as tf from '@tensorflow/tfjs-core';
import { heapView } from './wasm-interop';
import type { WasmKernelCall } from './wasm-kernel-call';

/** Whether `x` is float32 or int32 (4-byte elements that the block copies take). */
function isWord(x: tf.TensorInfo): boolean {
  return x.dtype === 'float32' || x.dtype === 'int32';
}

/**
 * `Tile` for the wasm backend (float32 and int32) as block copies: each row of the input is
 * written once and every repetition is a `copyWithin` of a finished block. tfjs-wasm's own kernel
 * computes an index per element in JavaScript (about 3 ms to tile `[1, 16, 64]` 64 times).
 * Other dtypes go to the backend's own kernel.
 */
export function wasmTile(call: WasmKernelCall): tf.TensorInfo {
  const x = call.input('x');
  const reps = call.attrs.reps as number[];
  if (!isWord(x) || x.shape.length === 0 || reps.length !== x.shape.length) return call.delegate();
  const shape = x.shape;
  const rank = shape.length;
  const outShape = shape.map((d, i) => d * (reps[i] as number));
  const out = call.output(outShape, x.dtype);
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  const src = heapView(call.backend, x);
  const dst = heapView(call.backend, out);
  const srcStride = new Array<number>(rank).fill(1);
  const dstStride = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) {
    srcStride[i] = (srcStride[i + 1] as number) * (shape[i + 1] as number);
    dstStride[i] = (dstStride[i + 1] as number) * (outShape[i + 1] as number);
  }
  // Writes x's block at axis `axis` (starting at src `s`) into dst at `d`, tiled along axes >= axis.
  const fill = (axis: number, s: number, d: number): void => {
    const n = shape[axis] as number;
    const r = reps[axis] as number;
    if (axis === rank - 1) {
      dst.set(src.subarray(s, s + n), d);
    } else {
      for (let i = 0; i < n; i++) fill(axis + 1, s + i * (srcStride[axis] as number), d + i * (dstStride[axis] as number));
    }
    const block = n * (dstStride[axis] as number);
    for (let k = 1; k < r; k++) dst.copyWithin(d + k * block, d, d + block);
  };
  fill(0, 0, 0);
  return out;
}

/**
 * `Unpack` along axis 0 for the wasm backend (float32 and int32): every output is a contiguous
 * block of the input, copied with one `set`. tfjs-wasm slices element by element. Other axes
 * and dtypes go to the backend's own kernel.
 */
export function wasmUnpack(call: WasmKernelCall): tf.TensorInfo[] {
  const x = call.input('value');
  const axis = tf.util.parseAxisParam(call.attrs.axis as number, x.shape)[0];
  if (axis !== 0 || !isWord(x)) return call.delegateAll();
  const backend = call.backend;
  const n = x.shape[0] as number;
  const rest = x.shape.slice(1);
  const size = tf.util.sizeFromShape(rest);
  const outs: tf.TensorInfo[] = [];
  for (let i = 0; i < n; i++) {
    const out = backend.makeOutput(rest, x.dtype);
    // views after makeOutput: allocating may grow (and so replace) the heap
    if (size > 0) heapView(backend, out).set(heapView(backend, x).subarray(i * size, (i + 1) * size));
    outs.push(out);
  }
  return outs;
}
