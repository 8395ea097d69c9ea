import * as tf from '@tensorflow/tfjs-core';
import { simdKernelsFor } from './simd-module';
import { asWasmBackend, memoryOffsetOf } from './wasm-interop';

/**
 * `MaxPool` for the wasm backend when the windows do not overlap (filter size equal to the stride,
 * no padding), the usual 2x2 pooling of a convolutional stem: `x` `[batch, H, W, C]` to
 * `[batch, H / fh, W / fw, C]` in AiT.js's SIMD kernel, 4 channels at a time (tfjs-wasm's XNNPACK
 * kernel took about 3.6 ms for `[128, 64, 64, 8]` on one core). NaN is skipped, as by the cpu
 * backend and as `MaxPoolGrad` picks its element. Other cases, and runtimes without the SIMD
 * module, go to `original`.
 */
export function wasmMaxPool(
  backendRaw: unknown,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  original: tf.KernelFunc,
): tf.TensorInfo {
  const backend = asWasmBackend(backendRaw);
  const x = inputs.x as tf.TensorInfo;
  const viaOriginal = (): tf.TensorInfo => original({ inputs, backend: backendRaw as object, attrs }) as tf.TensorInfo;
  const simd = x.dtype === 'float32' && x.shape.length === 4 ? simdKernelsFor(backend) : null;
  if (!simd) return viaOriginal();
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const { top, bottom, left, right } = info.padInfo;
  const { filterHeight: fh, filterWidth: fw, strideHeight, strideWidth } = info;
  if (fh !== strideHeight || fw !== strideWidth || top + bottom + left + right !== 0 || info.outHeight * info.outWidth === 0) {
    return viaOriginal();
  }
  const out = backend.makeOutput([info.batchSize, info.outHeight, info.outWidth, info.outChannels], 'float32');
  simd.maxPoolNonOverlapping(
    memoryOffsetOf(backend, x),
    memoryOffsetOf(backend, out),
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    fh,
    fw,
  );
  return out;
}
