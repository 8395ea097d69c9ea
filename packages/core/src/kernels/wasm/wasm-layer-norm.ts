import * as tf from '@tensorflow/tfjs-core';
import type { SimdKernels } from './simd-module';
import type { WasmKernelCall } from './wasm-kernel-call';

/**
 * Kernel name of layer normalisation over the last axis: inputs `{x, gamma, beta}` (`[..., d]`,
 * `[d]`, `[d]`, float32), attr `epsilon`; outputs `[y, mean, rstd]`, `y` like `x`, `mean` and
 * `rstd` (1 / sqrt(variance + epsilon)) `[rows]` with rows = size / d.
 */
export const LAYER_NORM_KERNEL = 'AitLayerNorm';
/**
 * Kernel name of layer normalisation's gradient: inputs `{x, mean, rstd, gamma, dy}` as saved by
 * {@link LAYER_NORM_KERNEL}; outputs `[dx, dgamma, dbeta]`.
 */
export const LAYER_NORM_GRAD_KERNEL = 'AitLayerNormGrad';

/** What both layer-norm kernels start with: see {@link layerNormCall}. */
interface LayerNormCall {
  simd: SimdKernels;
  /** Rows of `x` (its size over the last axis) and the row length `d`. */
  rows: number;
  d: number;
  /** The outputs: one like `x`, two of `rows` or `d` values. */
  outputs: [tf.TensorInfo, tf.TensorInfo, tf.TensorInfo];
  /** Heap offset of input `name`. */
  at(name: string): number;
  /** Heap offset of output `i`. */
  out(i: 0 | 1 | 2): number;
}

/**
 * The SIMD kernels (throws where they do not run), the rows of input `x` and the three outputs
 * of a layer-norm kernel: one like `x`, then two of `rows` values (`perRow`) or of `d`.
 */
function layerNormCall(call: WasmKernelCall, perRow: boolean): LayerNormCall {
  const x = call.input('x');
  const simd = call.requireSimd();
  const d = x.shape[x.shape.length - 1] ?? 1;
  const rows = d === 0 ? 0 : tf.util.sizeFromShape(x.shape) / d;
  const n = perRow ? rows : d;
  const outputs: LayerNormCall['outputs'] = [call.output(x.shape), call.output([n]), call.output([n])];
  return { simd, rows, d, outputs, at: (name) => call.offset(call.input(name)), out: (i) => call.offset(outputs[i]) };
}

/** {@link LAYER_NORM_KERNEL} for the wasm backend: two passes over each row in the SIMD kernel. */
export function wasmLayerNorm(call: WasmKernelCall): tf.TensorInfo[] {
  const { simd, rows, d, outputs, at, out } = layerNormCall(call, true);
  const epsilon = Number(call.attrs.epsilon ?? 1e-5);
  if (rows > 0 && d > 0) simd.layerNormForward(at('x'), at('gamma'), at('beta'), out(0), out(1), out(2), rows, d, epsilon);
  return outputs;
}

/** {@link LAYER_NORM_GRAD_KERNEL} for the wasm backend: two passes over each row in the SIMD kernel. */
export function wasmLayerNormGrad(call: WasmKernelCall): tf.TensorInfo[] {
  const { simd, rows, d, outputs, at, out } = layerNormCall(call, false);
  if (d > 0) simd.layerNormBackward(at('x'), at('mean'), at('rstd'), at('gamma'), at('dy'), out(0), out(1), out(2), rows, d);
  return outputs;
}
