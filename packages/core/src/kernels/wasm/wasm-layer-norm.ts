import type * as tf from '@tensorflow/tfjs-core';
import { requireSimdKernels } from './simd-module';
import { memoryOffsetOf } from './wasm-interop';

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

function rowsOf(x: tf.TensorInfo): { rows: number; d: number } {
  const d = x.shape[x.shape.length - 1] ?? 1;
  const size = x.shape.reduce((a, b) => a * b, 1);
  return { rows: d === 0 ? 0 : size / d, d };
}

/** {@link LAYER_NORM_KERNEL} for the wasm backend: two passes over each row in the SIMD kernel. */
export function wasmLayerNorm({
  inputs,
  backend: backendRaw,
  attrs,
}: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo[] {
  const x = inputs.x as tf.TensorInfo;
  const { backend, simd } = requireSimdKernels(backendRaw, LAYER_NORM_KERNEL);
  const { rows, d } = rowsOf(x);
  const y = backend.makeOutput([...x.shape], 'float32');
  const mean = backend.makeOutput([rows], 'float32');
  const rstd = backend.makeOutput([rows], 'float32');
  if (rows > 0 && d > 0) {
    const at = (t: tf.TensorInfo) => memoryOffsetOf(backend, t);
    simd.layerNormForward(
      at(x),
      at(inputs.gamma as tf.TensorInfo),
      at(inputs.beta as tf.TensorInfo),
      at(y),
      at(mean),
      at(rstd),
      rows,
      d,
      Number(attrs?.epsilon ?? 1e-5),
    );
  }
  return [y, mean, rstd];
}

/** {@link LAYER_NORM_GRAD_KERNEL} for the wasm backend: two passes over each row in the SIMD kernel. */
export function wasmLayerNormGrad({ inputs, backend: backendRaw }: { inputs: tf.NamedTensorInfoMap; backend: unknown }): tf.TensorInfo[] {
  const x = inputs.x as tf.TensorInfo;
  const { backend, simd } = requireSimdKernels(backendRaw, LAYER_NORM_GRAD_KERNEL);
  const { rows, d } = rowsOf(x);
  const dx = backend.makeOutput([...x.shape], 'float32');
  const dgamma = backend.makeOutput([d], 'float32');
  const dbeta = backend.makeOutput([d], 'float32');
  if (d > 0) {
    const at = (t: tf.TensorInfo) => memoryOffsetOf(backend, t);
    simd.layerNormBackward(
      at(x),
      at(inputs.mean as tf.TensorInfo),
      at(inputs.rstd as tf.TensorInfo),
      at(inputs.gamma as tf.TensorInfo),
      at(inputs.dy as tf.TensorInfo),
      at(dx),
      at(dgamma),
      at(dbeta),
      rows,
      d,
    );
  }
  return [dx, dgamma, dbeta];
}
