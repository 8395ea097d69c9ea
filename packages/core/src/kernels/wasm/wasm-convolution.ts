import * as tf from '@tensorflow/tfjs-core';
import { gemmPoolFor } from './gemm-pool';
import { simdGemmTile } from './gemm-tile';
import { convolutionColsBytes, POOL_CONTROL, POOL_JOB, POOL_JOB_KIND, runPoolChunks, type PoolKernels } from './pool-jobs';
import { simdKernelsFor, type SimdKernels } from './simd-module';
import { ELEMENTWISE_OP } from './wasm-elementwise';
import { convAttrs, type ConvAttrs } from './wasm-conv-attrs';
import { memoryOffsetOf, type WasmBackendInternals } from './wasm-interop';
import type { WasmKernelCall } from './wasm-kernel-call';

/** k-block length of the convolution's GEMMs (as for matrix products). */
const KC = 256;

/**
 * Up to this many input channels the patches are gathered transposed (one row per filter tap and
 * channel: runs of image rows) instead of one row per pixel (runs of `fw * inC` floats, short for
 * few channels). Measured for a 3 x 3 stem of 1 channel on 64 x 64 images: 0.55 instead of 3.6 ms.
 */
const TRANSPOSED_PATCHES_MAX_CHANNELS = 2;

/** The GEMM's SIMD tiles cover 8 output channels at a time: fewer stay with tfjs-wasm's own kernels. */
const MIN_OUT_CHANNELS = 8;

/**
 * Output pixels per chunk of a convolution for patches of `patch` values: about 256 KiB of patch
 * rows (they stay in L2 while the GEMM reads them), 64 to 2048 pixels. It does not depend on the
 * number of threads, so every thread count cuts the work (and the filter gradient's partial sums)
 * the same way.
 */
export function convolutionChunkPixels(patch: number): number {
  return Math.max(64, Math.min(2048, Math.floor(65536 / patch / 8) * 8));
}

/** The geometry of an NHWC convolution, as `computeConv2DInfo` gives it. */
export type ConvGeometry = tf.backend_util.Conv2DInfo;

/**
 * Runs a convolution job of `mode` `forward` (`out` `[pixels, outC]` = patches x filter `b`
 * `[fh * fw * inC, outC]`) or `filterGradient` (`out` `[chunks, fh * fw * inC, outC]`: for each
 * chunk of output pixels, its patches transposed x its rows of dy `b` `[pixels, outC]`) on the
 * GEMM pool, or chunk by chunk on the calling thread without one (the same chunks either way).
 * Returns the number of chunks.
 */
function runConvolution(
  backend: WasmBackendInternals,
  simd: SimdKernels,
  mode: 'forward' | 'filterGradient',
  x: number,
  info: ConvGeometry,
  b: number,
  out: number,
): number {
  const { inHeight, inWidth, inChannels, filterHeight, filterWidth, outChannels } = info;
  const patch = filterHeight * filterWidth * inChannels;
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  const chunkPixels = convolutionChunkPixels(patch);
  const chunks = Math.ceil(pixels / chunkPixels);
  const k = mode === 'forward' ? patch : chunkPixels;
  const packBytes = Math.min(k, KC) * (24 + (outChannels & ~7)) * 4;
  const scratchStride = convolutionColsBytes(chunkPixels, patch) + packBytes;
  const pool = gemmPoolFor(backend);
  const threads = pool?.threads ?? 1;
  const scratch = backend.wasm._malloc(scratchStride * threads);
  if (!scratch) {
    throw new Error(
      'conv2d on wasm: the WebAssembly heap has no room for the patch rows; free tensors (dispose / tf.tidy) or use smaller batches.',
    );
  }
  const tile = simdGemmTile();
  const write = (slots: Float64Array): void => {
    const values: [keyof typeof POOL_JOB, number][] = [
      ['kind', POOL_JOB_KIND.convolution],
      ['chunks', chunks],
      ['convX', x],
      ['inH', inHeight],
      ['inW', inWidth],
      ['inC', inChannels],
      ['fh', filterHeight],
      ['fw', filterWidth],
      ['sh', info.strideHeight],
      ['sw', info.strideWidth],
      ['dh', info.dilationHeight],
      ['dw', info.dilationWidth],
      ['padTop', info.padInfo.top],
      ['padLeft', info.padInfo.left],
      ['outH', info.outHeight],
      ['outW', info.outWidth],
      ['pixels', pixels],
      ['chunkPixels', chunkPixels],
      ['convB', b],
      ['convOut', out],
      ['outC', outChannels],
      ['scratch', scratch],
      ['scratchStride', scratchStride],
      ['mode', mode === 'forward' ? 0 : 1],
      ['tile', tile === '6x16' ? 1 : 0],
      ['convKc', KC],
      ['transposedPatches', inChannels <= TRANSPOSED_PATCHES_MAX_CHANNELS ? 1 : 0],
    ];
    for (const [slot, value] of values) slots[POOL_JOB[slot]] = value;
  };
  const unused = (): void => undefined;
  const kernels: PoolKernels = [simd.gemm, simd.gemmWide, unused, simd.im2col];
  try {
    if (pool && chunks > 1) pool.runJob(kernels, write);
    else {
      const job = new Float64Array(POOL_JOB.length);
      write(job);
      runPoolChunks(kernels, job, new Int32Array(POOL_CONTROL.length), 0);
    }
  } finally {
    backend.wasm._free(scratch);
  }
  return chunks;
}

/** The conv2d geometry for NHWC float32 `x` and `filter`, or null where the SIMD path does not apply. */
function nhwcGeometry(x: tf.TensorInfo, filterShape: readonly number[], attrs: ConvAttrs): ConvGeometry | null {
  if (attrs.dataFormat !== 'NHWC' || x.shape.length !== 4 || filterShape.length !== 4 || x.dtype !== 'float32') return null;
  return tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/**
 * `Conv2D` for the wasm backend (NHWC, float32, any stride, dilation and padding): the patches of
 * a block of output pixels are gathered (im2col) into a thread's scratch and multiplied with the
 * filter on AiT.js's SIMD GEMM, block after block on every thread of the GEMM pool; XNNPACK's
 * convolution runs on one thread and is slow for few input channels (a convolutional stem's
 * 1-16). Other layouts and dtypes, and fewer than 8 output channels, go to the backend's own
 * kernel.
 */
export function wasmConv2D(call: WasmKernelCall): tf.TensorInfo {
  const x = call.input('x');
  const filter = call.input('filter');
  const info = filter.dtype === 'float32' ? nhwcGeometry(x, filter.shape, convAttrs(call.attrs)) : null;
  const simd = call.simdIf(info !== null && info.outChannels >= MIN_OUT_CHANNELS);
  if (!info || !simd) return call.delegate();
  const out = call.output([info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
  if (info.batchSize * info.outHeight * info.outWidth * info.outChannels === 0) return out;
  const backend = call.backend;
  if (info.filterHeight * info.filterWidth * info.inChannels === 0) {
    new Float32Array(backend.wasm.HEAPF32.buffer, call.offset(out), tf.util.sizeFromShape(out.shape)).fill(0);
    return out;
  }
  runConvolution(backend, simd, 'forward', call.offset(x), info, call.offset(filter), call.offset(out));
  return out;
}

/**
 * The filter gradient `[fh, fw, inC, outC]` of an NHWC float32 conv2d with input `x` and output
 * gradient `dy` on AiT.js's SIMD kernels (one partial sum per block of output pixels, on every
 * thread of the GEMM pool, added up in block order), or null where they do not run (other
 * layouts or dtypes, fewer than 8 output channels, dy of the wrong shape).
 */
export function simdConv2DFilterGradient(
  backend: WasmBackendInternals,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  filterShape: readonly number[],
  attrs: ConvAttrs,
): tf.TensorInfo | null {
  const info = dy.dtype === 'float32' ? nhwcGeometry(x, filterShape, attrs) : null;
  const expected = info ? [info.batchSize, info.outHeight, info.outWidth, info.outChannels] : [];
  const simd = info && info.outChannels >= MIN_OUT_CHANNELS && dy.shape.every((d, i) => d === expected[i]) ? simdKernelsFor(backend) : null;
  if (!info || !simd) return null;
  const size = filterShape.reduce((p, d) => p * d, 1);
  const out = backend.makeOutput([...filterShape], 'float32');
  const pixels = info.batchSize * info.outHeight * info.outWidth;
  if (size === 0) return out;
  if (pixels === 0) {
    new Float32Array(backend.wasm.HEAPF32.buffer, memoryOffsetOf(backend, out), size).fill(0);
    return out;
  }
  const chunks = Math.ceil(pixels / convolutionChunkPixels(size / info.outChannels));
  const partials = backend.wasm._malloc(chunks * size * 4);
  if (!partials) {
    throw new Error(
      'conv2d filter gradient on wasm: the WebAssembly heap has no room for the partial sums; free tensors or use smaller batches.',
    );
  }
  try {
    runConvolution(backend, simd, 'filterGradient', memoryOffsetOf(backend, x), info, memoryOffsetOf(backend, dy), partials);
    // partial sums in chunk order (the same on every thread count)
    const o = memoryOffsetOf(backend, out);
    simd.copyRows(partials, 0, o, 0, 1, size * 4);
    for (let c = 1; c < chunks; c++) simd.elementwise(ELEMENTWISE_OP.add, o, partials + c * size * 4, o, 0, size, 0, 1);
  } finally {
    backend.wasm._free(partials);
  }
  return out;
}
