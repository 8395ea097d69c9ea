import * as tf from '@tensorflow/tfjs-core';
import type { WasmKernelCall } from './wasm-kernel-call';

/**
 * The pooling geometry of `x` (`[batch, H, W, C]`) under `attrs` (`filterSize`, `strides`, `pad`,
 * `dimRoundingMode`) where the windows do not overlap (filter size equal to the stride, no
 * padding); null otherwise.
 */
export function nonOverlappingPool(x: tf.TensorInfo, attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo | null {
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize as number | [number, number],
    attrs.strides as number | [number, number],
    1,
    attrs.pad as 'valid' | 'same' | number,
    attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined,
  );
  const { top, bottom, left, right } = info.padInfo;
  const overlapping = info.filterHeight !== info.strideHeight || info.filterWidth !== info.strideWidth;
  return overlapping || top + bottom + left + right !== 0 ? null : info;
}

/**
 * `MaxPool` for the wasm backend when the windows do not overlap (filter size equal to the stride,
 * no padding), the usual 2x2 pooling of a convolutional stem: `x` `[batch, H, W, C]` to
 * `[batch, H / fh, W / fw, C]` in AiT.js's SIMD kernel, 4 channels at a time (tfjs-wasm's XNNPACK
 * kernel took about 3.6 ms for `[128, 64, 64, 8]` on one core). NaN is skipped, as by the cpu
 * backend and as `MaxPoolGrad` picks its element. Other cases, and runtimes without the SIMD
 * module, go to the backend's own kernel.
 */
export function wasmMaxPool(call: WasmKernelCall): tf.TensorInfo {
  const x = call.input('x');
  const simd = call.simdIf(x.dtype === 'float32' && x.shape.length === 4);
  const info = simd ? nonOverlappingPool(x, call.attrs) : null;
  if (!simd || !info || info.outHeight * info.outWidth === 0) return call.delegate();
  const out = call.output([info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  simd.maxPoolNonOverlapping(
    call.offset(x),
    call.offset(out),
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
  );
  return out;
}
