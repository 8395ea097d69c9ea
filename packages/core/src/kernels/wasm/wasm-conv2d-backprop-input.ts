import * as tf from '@tensorflow/tfjs-core';
import { heapF32, runKernel, Scratch } from './wasm-interop';
import { convAttrs } from './wasm-conv-attrs';
import type { WasmKernelCall } from './wasm-kernel-call';

/**
 * `Conv2DBackpropInput` (the input gradient of `conv2d`) for the wasm backend, whose own kernel is
 * a plain loop. For stride 1 in NHWC with the same padding on all four sides (`same` with an odd
 * kernel, or a number), the gradient is itself a convolution:
 * `dx = conv2d(dy, W')` with `W'[i, j, out, in] = W[fH-1-i, fW-1-j, in, out]` and padding
 * `fH-1-pad`, which runs on XNNPACK's fast `Conv2D`. Other cases go to the backend's own kernel.
 * `dy` is `[batch, outH, outW, outC]`, `filter` `[fH, fW, inC, outC]`; the result has
 * `attrs.inputShape`.
 */
export function wasmConv2DBackpropInput(call: WasmKernelCall): tf.TensorInfo {
  const { attrs, backendName, backendRaw } = call;
  const dy = call.input('dy');
  const filter = call.input('filter');
  const inputShape = attrs.inputShape as [number, number, number, number];
  const { strides, pad, dataFormat, dimRoundingMode } = convAttrs(attrs);
  const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
  if (sh !== 1 || sw !== 1 || dataFormat !== 'NHWC' || dy.dtype !== 'float32' || filter.dtype !== 'float32') {
    return call.delegate();
  }
  const filterShape = filter.shape as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, 1, 1, pad, dimRoundingMode, false, 'channelsLast');
  const { top, bottom, left, right } = info.padInfo;
  const [fh, fw, inC, outC] = filterShape;
  const p = fh - 1 - top;
  if (!(top === bottom && top === left && top === right && fh === fw && p >= 0)) return call.delegate();
  if (dy.shape[1] !== info.outHeight || dy.shape[2] !== info.outWidth || dy.shape[3] !== outC) {
    throw new Error(
      `conv2d input gradient: dy has shape [${dy.shape.join(', ')}] but the convolution gives ` +
        `[${info.batchSize}, ${info.outHeight}, ${info.outWidth}, ${outC}].`,
    );
  }
  const backend = call.backend;
  const scratch = new Scratch(backend);
  try {
    const flipped = scratch.keep(backend.makeOutput([fh, fw, outC, inC], 'float32'));
    const w = heapF32(backend, filter);
    const f = heapF32(backend, flipped);
    for (let i = 0; i < fh; i++) {
      for (let j = 0; j < fw; j++) {
        const src = ((fh - 1 - i) * fw + (fw - 1 - j)) * inC * outC;
        const dst = (i * fw + j) * outC * inC;
        for (let ci = 0; ci < inC; ci++) {
          for (let co = 0; co < outC; co++) f[dst + co * inC + ci] = w[src + ci * outC + co] as number;
        }
      }
    }
    return runKernel(
      tf.Conv2D,
      backendName,
      backendRaw,
      { x: dy, filter: flipped },
      { strides: 1, pad: p, dataFormat: 'NHWC', dilations: 1, ...(dimRoundingMode ? { dimRoundingMode } : {}) },
    );
  } finally {
    scratch.release();
  }
}
