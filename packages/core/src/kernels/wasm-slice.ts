import * as tf from '@tensorflow/tfjs-core';
import { simdKernelsFor, type SimdKernels } from './simd-module';
import { asWasmBackend, memoryOffsetOf, type WasmBackendInternals } from './wasm-interop';

const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

/**
 * Copies the box `begin`/`size` of `x` into `out` (a new tensor of shape `size`) with the SIMD
 * module's row copies: axes after the innermost partial axis are whole, so each output run is
 * contiguous in the input; one `copyRows` call covers the axis before it and JavaScript loops over
 * the rest.
 */
function copyBox(simd: SimdKernels, backend: WasmBackendInternals, x: tf.TensorInfo, begin: number[], size: number[], out: tf.TensorInfo): void {
  const shape = x.shape;
  const rank = shape.length;
  const bytes = BYTES[x.dtype] as number;
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = (strides[i + 1] as number) * (shape[i + 1] as number);
  // innermost axis that is not taken whole; the run covers it and every axis after it
  let j = rank - 1;
  while (j > 0 && size[j] === shape[j]) j--;
  const run = (size[j] as number) * (strides[j] as number);
  const src = memoryOffsetOf(backend, x);
  const dst = memoryOffsetOf(backend, out);
  if (j === 0) {
    simd.copyRows(src + (begin[0] as number) * (strides[0] as number) * bytes, 0, dst, 0, 1, run * bytes);
    return;
  }
  // axis j-1 is walked by copyRows; axes 0..j-2 by the odometer below
  const rows = size[j - 1] as number;
  const outer = size.slice(0, j - 1);
  const count = outer.reduce((a, b) => a * b, 1);
  const index = new Array<number>(outer.length).fill(0);
  let d = dst;
  for (let c = 0; c < count; c++) {
    let s = (begin[j] as number) * (strides[j] as number) + (begin[j - 1] as number) * (strides[j - 1] as number);
    for (let a = 0; a < outer.length; a++) s += ((begin[a] as number) + (index[a] as number)) * (strides[a] as number);
    simd.copyRows(src + s * bytes, (strides[j - 1] as number) * bytes, d, run * bytes, rows, run * bytes);
    d += rows * run * bytes;
    for (let a = outer.length - 1; a >= 0; a--) {
      index[a] = (index[a] as number) + 1;
      if ((index[a] as number) < (outer[a] as number)) break;
      index[a] = 0;
    }
  }
}

/**
 * `Slice` for the wasm backend: float32, int32 and bool boxes copied as contiguous runs by the
 * SIMD module (tfjs-wasm copies row by row from JavaScript, making a subarray per row: about 3 ms
 * for 4096 rows). Strings, complex numbers and a backend without the SIMD module go to `original`.
 */
export function wasmSlice(backendRaw: unknown, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, original: tf.KernelFunc): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const backend = asWasmBackend(backendRaw);
  const simd = BYTES[x.dtype] ? simdKernelsFor(backend) : null;
  if (!simd || x.shape.length === 0) return original({ inputs, backend: backendRaw as object, attrs }) as tf.TensorInfo;
  const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin as number | number[], attrs.size as number | number[]) as [number[], number[]];
  const out = backend.makeOutput(size, x.dtype);
  if (tf.util.sizeFromShape(size) > 0) copyBox(simd, backend, x, begin, size, out);
  return out;
}

/** `SplitV` for the wasm backend: each part is a {@link wasmSlice} box. */
export function wasmSplitV(backendRaw: unknown, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, original: tf.KernelFunc): tf.TensorInfo[] {
  const x = inputs.x as tf.TensorInfo;
  const backend = asWasmBackend(backendRaw);
  const simd = BYTES[x.dtype] ? simdKernelsFor(backend) : null;
  if (!simd || x.shape.length === 0) return original({ inputs, backend: backendRaw as object, attrs }) as tf.TensorInfo[];
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0] as number;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits as number | number[], axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const out = backend.makeOutput(size, x.dtype);
    if (tf.util.sizeFromShape(size) > 0) copyBox(simd, backend, x, [...begin], size, out);
    begin[axis] = (begin[axis] as number) + s;
    return out;
  });
}
