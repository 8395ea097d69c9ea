import * as tf from '@tensorflow/tfjs-core';
import type { SimdKernels } from './simd-module';
import { memoryOffsetOf, type WasmBackendInternals } from './wasm-interop';
import type { WasmKernelCall } from './wasm-kernel-call';
import { copyStridedRuns } from './wasm-strided-copy';

const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

/**
 * Copies the box `begin`/`size` of `x` into `out` (a new tensor of shape `size`): axes after the
 * innermost partial axis are whole, so each output run is contiguous in the input.
 */
function copyBox(
  simd: SimdKernels,
  backend: WasmBackendInternals,
  x: tf.TensorInfo,
  begin: number[],
  size: number[],
  out: tf.TensorInfo,
): void {
  const shape = x.shape;
  const rank = shape.length;
  const strides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) strides[i] = (strides[i + 1] as number) * (shape[i + 1] as number);
  // innermost axis that is not taken whole; the run covers it and every axis after it
  let j = rank - 1;
  while (j > 0 && size[j] === shape[j]) j--;
  const bytes = BYTES[x.dtype] as number;
  const start = begin.reduce((sum, b, a) => sum + b * (strides[a] as number), 0);
  const run = (size[j] as number) * (strides[j] as number);
  copyStridedRuns(
    simd,
    memoryOffsetOf(backend, x) + start * bytes,
    memoryOffsetOf(backend, out),
    size.slice(0, j),
    strides.slice(0, j),
    run,
    bytes,
  );
}

/**
 * `Slice` for the wasm backend: float32, int32 and bool boxes copied as contiguous runs by the
 * SIMD module (tfjs-wasm copies row by row from JavaScript, making a subarray per row: about 3 ms
 * for 4096 rows). Strings, complex numbers and a backend without the SIMD module go to the
 * backend's own kernel.
 */
export function wasmSlice(call: WasmKernelCall): tf.TensorInfo {
  const x = call.input('x');
  const simd = call.simdIf(BYTES[x.dtype] !== undefined && x.shape.length > 0);
  if (!simd) return call.delegate();
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as tf.Tensor,
    call.attrs.begin as number | number[],
    call.attrs.size as number | number[],
  ) as [number[], number[]];
  const out = call.output(size, x.dtype);
  if (tf.util.sizeFromShape(size) > 0) copyBox(simd, call.backend, x, begin, size, out);
  return out;
}

/** `SplitV` for the wasm backend: each part is a {@link wasmSlice} box. */
export function wasmSplitV(call: WasmKernelCall): tf.TensorInfo[] {
  const x = call.input('x');
  const simd = call.simdIf(BYTES[x.dtype] !== undefined && x.shape.length > 0);
  if (!simd) return call.delegateAll();
  const axis = tf.util.parseAxisParam(call.attrs.axis as number, x.shape)[0] as number;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, call.attrs.numOrSizeSplits as number | number[], axis);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[axis] = s;
    const out = call.output(size, x.dtype);
    if (tf.util.sizeFromShape(size) > 0) copyBox(simd, call.backend, x, [...begin], size, out);
    begin[axis] = (begin[axis] as number) + s;
    return out;
  });
}
