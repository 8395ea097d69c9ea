import * as tf from '@tensorflow/tfjs-core';
import { heapF32 } from './wasm-interop';
import type { WasmKernelCall } from './wasm-kernel-call';

/**
 * If summing `shape` over `axes` only reduces leading axes (ignoring size-1 axes), returns the
 * number of reduced rows and the row length; otherwise null.
 */
export function leadingReduction(shape: readonly number[], axes: readonly number[]): { rows: number; cols: number } | null {
  const reduced = new Set(axes);
  let seenKept = false;
  let rows = 1;
  let cols = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i] as number;
    if (reduced.has(i)) {
      if (d !== 1 && seenKept) return null;
      rows *= d;
    } else {
      if (d !== 1) seenKept = true;
      cols *= d;
    }
  }
  return { rows, cols };
}

/**
 * `Sum` for the wasm backend that reduces leading axes (bias and layer-norm gradients: sum of
 * `[rows, cols]` over the rows) in one pass: AiT.js's SIMD kernel (float32, blocks of 256 rows
 * summed separately) where it runs, else JavaScript with float64 accumulators. tfjs-wasm
 * transposes the whole input first so that the reduced axes are innermost. Other
 * reductions, int32 and empty inputs go to the backend's own kernel.
 */
export function wasmSum(call: WasmKernelCall): tf.TensorInfo {
  const x = call.input('x');
  const axes = tf.util.parseAxisParam(call.attrs.axis as number | number[], x.shape);
  const plan = x.dtype === 'float32' ? leadingReduction(x.shape, axes) : null;
  if (!plan || plan.rows <= 1 || plan.cols === 0 || plan.rows * plan.cols === 0) return call.delegate();
  const keepDims = call.attrs.keepDims === true;
  const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
  const out = call.output(outShape);
  const simd = call.simdIf(true);
  if (simd) {
    simd.sumRows(call.offset(x), call.offset(out), plan.rows, plan.cols);
    return out;
  }
  const src = heapF32(call.backend, x);
  const dst = heapF32(call.backend, out);
  const { rows, cols } = plan;
  const acc = new Float64Array(cols);
  for (let r = 0, o = 0; r < rows; r++, o += cols) {
    for (let c = 0; c < cols; c++) acc[c] = (acc[c] as number) + (src[o + c] as number);
  }
  dst.set(acc);
  return out;
}
