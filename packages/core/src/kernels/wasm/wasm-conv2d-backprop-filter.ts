import * as tf from '@tensorflow/tfjs-core';
import { simdConv2DFilterGradient } from './wasm-convolution';
import { heapF32, reshapeInfo, runKernel, Scratch } from './wasm-interop';
import { convAttrs } from './wasm-conv-attrs';
import type { WasmKernelCall } from './wasm-kernel-call';

/**
 * `Conv2DBackpropFilter` (the filter gradient of `conv2d`) for the wasm backend, which has none.
 * `x` is `[batch, inH, inW, inC]` and `dy` `[batch, outH, outW, outC]` (NHWC; NCHW inputs are
 * transposed first); the result has `attrs.filterShape` `[fH, fW, inC, outC]`. With 4 or more
 * input channels, stride 1 and equal padding it is a convolution with batch and channels swapped
 * (on XNNPACK); otherwise the input patches are gathered into a transposed im2col matrix
 * `[fH*fW*inC, batch*outH*outW]` (in JavaScript on the heap) and the gradient is one product
 * `colsT dy` on the fast GEMM.
 */
export function wasmConv2DBackpropFilter(call: WasmKernelCall): tf.TensorInfo {
  const { backend, backendName, backendRaw } = call;
  let x = call.input('x');
  let dy = call.input('dy');
  const filterShape = call.attrs.filterShape as [number, number, number, number];
  const { strides, pad, dataFormat, dimRoundingMode } = convAttrs(call.attrs);
  if (x.shape.length !== 4 || dy.shape.length !== 4) {
    throw new Error(`conv2d filter gradient: x and dy must be rank 4, got [${x.shape.join(', ')}] and [${dy.shape.join(', ')}].`);
  }
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') {
    throw new Error(`conv2d filter gradient on wasm needs float32 tensors, got ${x.dtype} and ${dy.dtype}.`);
  }
  const scratch = new Scratch(backend);
  try {
    if (dataFormat === 'NCHW') {
      x = scratch.keep(runKernel(tf.Transpose, backendName, backendRaw, { x }, { perm: [0, 2, 3, 1] }));
      dy = scratch.keep(runKernel(tf.Transpose, backendName, backendRaw, { x: dy }, { perm: [0, 2, 3, 1] }));
    }
    const viaSimd = simdConv2DFilterGradient(backend, x, dy, filterShape, {
      strides,
      pad,
      dilations: 1,
      dataFormat: 'NHWC',
      dimRoundingMode,
    });
    if (viaSimd) return viaSimd;
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filterShape,
      strides,
      1,
      pad,
      dimRoundingMode,
      false,
      'channelsLast',
    );
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
    const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
    if (dy.shape[1] !== outHeight || dy.shape[2] !== outWidth || dy.shape[3] !== outChannels) {
      throw new Error(
        `conv2d filter gradient: dy has shape [${dy.shape.join(', ')}] but the convolution gives ` +
          `[${batchSize}, ${outHeight}, ${outWidth}, ${outChannels}].`,
      );
    }
    const { top, bottom, left, right } = info.padInfo;
    if (
      inChannels >= 4 &&
      info.strideHeight === 1 &&
      info.strideWidth === 1 &&
      info.dilationHeight === 1 &&
      info.dilationWidth === 1 &&
      top === bottom &&
      top === left &&
      top === right &&
      outHeight === inHeight + 2 * top - info.filterHeight + 1 &&
      outWidth === inWidth + 2 * top - info.filterWidth + 1 &&
      info.filterHeight === info.filterWidth &&
      // the swapped convolution's filter is [outH, outW]: tfjs-wasm's Conv2D mishandles numeric
      // padding with non-square filters
      outHeight === outWidth
    ) {
      // Many input channels, stride 1, equal padding: the filter gradient is itself a convolution
      // with batch and channels swapped, `dw[i, j, c, o] = sum_{b,y,x} x[b, y+i-p, x+j-p, c] dy[b, y, x, o]`:
      // `conv2d(x^T [inC, H, W, batch], dy^T [outH, outW, batch, outC], pad p) -> [inC, fH, fW, outC]`,
      // which runs on XNNPACK.
      const xT = scratch.keep(runKernel(tf.Transpose, backendName, backendRaw, { x }, { perm: [3, 1, 2, 0] }));
      const dyT = scratch.keep(runKernel(tf.Transpose, backendName, backendRaw, { x: dy }, { perm: [1, 2, 0, 3] }));
      const dwT = scratch.keep(
        runKernel(tf.Conv2D, backendName, backendRaw, { x: xT, filter: dyT }, { strides: 1, pad: top, dataFormat: 'NHWC', dilations: 1 }),
      );
      return runKernel(tf.Transpose, backendName, backendRaw, { x: dwT }, { perm: [1, 2, 0, 3] });
    }
    const padTop = info.padInfo.top;
    const padLeft = info.padInfo.left;
    const rows = batchSize * outHeight * outWidth;
    const patch = filterHeight * filterWidth * inChannels;
    // Patches gathered transposed, `colsT [fH*fW*inC, rows]` (one filter tap and input channel per
    // row): writes are sequential, each input row is read while it is in cache, and the product
    // `colsT dy` needs no transpose (XNNPACK packs only the small `dy`).
    const colsT = scratch.keep(backend.makeOutput([patch, rows], 'float32'));
    const xs = heapF32(backend, x);
    const cs = heapF32(backend, colsT);
    for (let fh = 0; fh < filterHeight; fh++) {
      for (let fw = 0; fw < filterWidth; fw++) {
        // output columns whose input column iw = ow * strideWidth + off lies inside the image
        const off = fw * dilationWidth - padLeft;
        const lo = Math.min(outWidth, Math.max(0, Math.ceil(-off / strideWidth)));
        const hi = Math.max(lo, Math.min(outWidth, Math.ceil((inWidth - off) / strideWidth)));
        const step = strideWidth * inChannels;
        const tapRow = (fh * filterWidth + fw) * inChannels;
        for (let b = 0; b < batchSize; b++) {
          for (let oh = 0; oh < outHeight; oh++) {
            const r0 = (b * outHeight + oh) * outWidth;
            const ih = oh * strideHeight - padTop + fh * dilationHeight;
            if (ih < 0 || ih >= inHeight) {
              for (let ci = 0; ci < inChannels; ci++) {
                const at = (tapRow + ci) * rows + r0;
                cs.fill(0, at, at + outWidth);
              }
              continue;
            }
            const rowBase = (b * inHeight + ih) * inWidth * inChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              const at = (tapRow + ci) * rows + r0;
              for (let ow = 0; ow < lo; ow++) cs[at + ow] = 0;
              for (let ow = hi; ow < outWidth; ow++) cs[at + ow] = 0;
              let src = rowBase + (lo * strideWidth + off) * inChannels + ci;
              for (let ow = lo; ow < hi; ow++, src += step) cs[at + ow] = xs[src] as number;
            }
          }
        }
      }
    }
    const dy2 = scratch.keep(reshapeInfo(backendName, backendRaw, dy, [rows, outChannels]));
    const dw = scratch.keep(
      runKernel(tf.BatchMatMul, backendName, backendRaw, { a: colsT, b: dy2 }, { transposeA: false, transposeB: false }),
    );
    return reshapeInfo(backendName, backendRaw, dw, [...filterShape]);
  } finally {
    scratch.release();
  }
}
