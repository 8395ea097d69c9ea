import type * as tf from '@tensorflow/tfjs-core';
import type { WasmKernelCall } from './wasm-kernel-call';

interface RefCounting {
  incRef(dataId: tf.DataId): void;
}

/** A new reference to `x`'s data (the backend counts it), with `x`'s shape and dtype. */
function alias(call: WasmKernelCall, x: tf.TensorInfo): tf.TensorInfo {
  (call.backendRaw as RefCounting).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}

/**
 * `Identity` for the wasm backend without a copy: the output shares the input's data through
 * the backend's reference count, as the cpu backend and every Reshape already do (tensors are
 * immutable, so sharing is safe). tfjs-wasm copies the whole buffer. Strings go to the backend's
 * own kernel.
 */
export function aliasIdentity(call: WasmKernelCall): tf.TensorInfo {
  const x = call.input('x');
  return x.dtype === 'string' ? call.delegate() : alias(call, x);
}

/**
 * `Cast` for the wasm backend that shares the data when the dtype does not change (gradients of
 * Multiply and RealDiv cast float32 to float32 on every backward pass, each a full copy on
 * tfjs-wasm); real conversions go to the backend's own kernel.
 */
export function aliasingCast(call: WasmKernelCall): tf.TensorInfo {
  const x = call.input('x');
  return call.attrs.dtype === x.dtype && x.dtype !== 'string' ? alias(call, x) : call.delegate();
}
