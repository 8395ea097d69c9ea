import * as tf from '@tensorflow/tfjs-core';
import { simdKernelsFor } from './simd-module';
import { asWasmBackend, heapF32, memoryOffsetOf } from './wasm-interop';

/**
 * `MaxPoolGrad` for the wasm backend when the windows do not overlap (filter size equal to the
 * stride, no padding), the usual 2x2 pooling: each output's gradient goes to the first maximum of
 * its window in row-major order, as the cpu backend does. Inputs `dy [batch, outH, outW, C]` and
 * `input [batch, H, W, C]`; the result has the input's shape. Runs in AiT.js's SIMD kernel (4
 * channels at a time) where the SIMD module runs, else in JavaScript. Other cases go to `fallback`.
 */
export function wasmMaxPoolGrad(
  backendRaw: unknown,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap,
  fallback: tf.KernelFunc,
): tf.TensorInfo {
  const backend = asWasmBackend(backendRaw);
  const dy = inputs.dy as tf.TensorInfo;
  const x = inputs.input as tf.TensorInfo;
  const filterSize = attrs.filterSize as number | [number, number];
  const strides = attrs.strides as number | [number, number];
  const pad = attrs.pad as 'valid' | 'same' | number;
  const dimRoundingMode = attrs.dimRoundingMode as 'floor' | 'round' | 'ceil' | undefined;
  const viaFallback = (): tf.TensorInfo => fallback({ inputs, backend: backendRaw as object, attrs }) as tf.TensorInfo;
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || x.shape.length !== 4) return viaFallback();
  const info = tf.backend_util.computePool2DInfo(x.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const { top, bottom, left, right } = info.padInfo;
  const { filterHeight: fh, filterWidth: fw, strideHeight, strideWidth } = info;
  if (fh !== strideHeight || fw !== strideWidth || top + bottom + left + right !== 0) return viaFallback();
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth } = info;
  const out = backend.makeOutput(x.shape, 'float32');
  const simd = simdKernelsFor(backend);
  if (simd) {
    const at = (t: tf.TensorInfo) => memoryOffsetOf(backend, t);
    simd.maxPoolGradNonOverlapping(at(x), at(dy), at(out), batchSize, inHeight, inWidth, c, outHeight, outWidth, fh, fw);
    return out;
  }
  const dx = heapF32(backend, out);
  const xs = heapF32(backend, x);
  const g = heapF32(backend, dy);
  dx.fill(0);
  let o = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const base = ((b * inHeight + oh * fh) * inWidth + ow * fw) * c;
        for (let ch = 0; ch < c; ch++, o++) {
          let best = base + ch;
          let max = -Infinity;
          for (let i = 0; i < fh; i++) {
            for (let j = 0; j < fw; j++) {
              const at = base + (i * inWidth + j) * c + ch;
              const v = xs[at] as number;
              if (v > max) {
                max = v;
                best = at;
              }
            }
          }
          dx[best] = (dx[best] as number) + (g[o] as number);
        }
      }
    }
  }
  return out;
}
