import type * as tf from '@tensorflow/tfjs-core';

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

/**
 * `Identity` for the wasm backend without a copy: the output shares the input's data through
 * the backend's reference count, as the cpu backend and every Reshape already do (tensors are
 * immutable, so sharing is safe). tfjs-wasm copies the whole buffer.
 */
export function aliasIdentity(backend: unknown, inputs: tf.NamedTensorInfoMap, original: tf.KernelFunc): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  if (x.dtype === 'string') return original({ inputs, backend: backend as object }) as tf.TensorInfo;
  (backend as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * `Cast` for the wasm backend that shares the data when the dtype does not change (gradients of
 * Multiply and RealDiv cast float32 to float32 on every backward pass, each a full copy on
 * tfjs-wasm); real conversions go to `original`.
 */
export function aliasingCast(
  backend: unknown,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  original: tf.KernelFunc,
): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  if (attrs.dtype === x.dtype && x.dtype !== 'string') {
    (backend as RefCounting).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  }
  return original({ inputs, backend: backend as object, attrs }) as tf.TensorInfo;
}
