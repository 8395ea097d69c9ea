import type * as tf from '@tensorflow/tfjs-core';
import { heapF32 } from './wasm-interop';
import type { WasmKernelCall } from './wasm-kernel-call';
import { nonOverlappingPool } from './wasm-max-pool';

/**
 * `MaxPoolGrad` for the wasm backend when the windows do not overlap (filter size equal to the
 * stride, no padding), the usual 2x2 pooling: each output's gradient goes to the first maximum of
 * its window in row-major order, as the cpu backend does. Inputs `dy [batch, outH, outW, C]` and
 * `input [batch, H, W, C]`; the result has the input's shape. Runs in AiT.js's SIMD kernel (4
 * channels at a time) where the SIMD module runs, else in JavaScript. Other cases go to the
 * backend's own kernel.
 */
export function wasmMaxPoolGrad(call: WasmKernelCall): tf.TensorInfo {
  const dy = call.input('dy');
  const x = call.input('input');
  if (x.dtype !== 'float32' || dy.dtype !== 'float32' || x.shape.length !== 4) return call.delegate();
  const info = nonOverlappingPool(x, call.attrs);
  if (!info) return call.delegate();
  const { batchSize, inHeight, inWidth, inChannels: c, outHeight, outWidth, filterHeight: fh, filterWidth: fw } = info;
  const out = call.output(x.shape);
  const simd = call.simdIf(true);
  if (simd) {
    simd.maxPoolGradNonOverlapping(
      call.offset(x),
      call.offset(dy),
      call.offset(out),
      batchSize,
      inHeight,
      inWidth,
      c,
      outHeight,
      outWidth,
      fh,
      fw,
    );
    return out;
  }
  const backend = call.backend;
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
