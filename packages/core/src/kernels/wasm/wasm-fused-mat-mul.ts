import * as tf from '@tensorflow/tfjs-core';
import { matMulGeometry } from '../mat-mul-geometry';
import { wasmFastMatMul } from './wasm-batch-mat-mul';
import { simdMatMul } from './wasm-simd-gemm';
import { reshapeInfo, runKernel, Scratch, swapLastTwo, withPackableOperand } from './wasm-interop';
import type { WasmKernelCall } from './wasm-kernel-call';

/** Applies a fused activation (tfjs `_FusedMatMul` names) with the backend's own kernels. */
function applyActivation(
  backendName: string,
  backend: unknown,
  x: tf.TensorInfo,
  activation: string,
  preluWeights: tf.TensorInfo | undefined,
  leakyreluAlpha: number,
): tf.TensorInfo {
  switch (activation) {
    case 'relu':
      return runKernel(tf.Relu, backendName, backend, { x });
    case 'relu6':
      return runKernel(tf.Relu6, backendName, backend, { x });
    case 'elu':
      return runKernel(tf.Elu, backendName, backend, { x });
    case 'sigmoid':
      return runKernel(tf.Sigmoid, backendName, backend, { x });
    case 'leakyrelu':
      return runKernel(tf.LeakyRelu, backendName, backend, { x }, { alpha: leakyreluAlpha });
    case 'prelu':
      if (!preluWeights) throw new Error('fused matMul: activation "prelu" needs preluActivationWeights.');
      return runKernel(tf.Prelu, backendName, backend, { x, alpha: preluWeights });
    default:
      throw new Error(`fused matMul: unknown activation "${activation}"; use linear, relu, relu6, elu, sigmoid, leakyrelu or prelu.`);
  }
}

/**
 * A `_FusedMatMul` (matmul + bias + activation, what tfjs-layers' Dense runs) that stays on a
 * fast GEMM for every transpose combination and batch layout: AiT.js's SIMD GEMM with the bias
 * added in the kernel where it runs (see {@link simdMatMul}). Otherwise, where `b` is shared by
 * the whole batch and the bias is a vector, the backend's own fused kernel runs on folded,
 * untransposed operands (bias and activation fused into the GEMM); otherwise the product runs
 * through {@link wasmFastMatMul} (handing the products it does not take to `matMul`, the
 * registered `BatchMatMul` kernel) and bias and activation follow as separate kernels.
 */
export function wasmFastFusedMatMul(call: WasmKernelCall, matMul: tf.KernelFunc): tf.TensorInfo {
  const { attrs, backend, backendName, backendRaw } = call;
  const a = call.input('a');
  const b = call.input('b');
  const bias = call.inputs.bias;
  const prelu = call.inputs.preluActivationWeights;
  const transposeA = attrs.transposeA === true;
  const transposeB = attrs.transposeB === true;
  const activation = typeof attrs.activation === 'string' ? attrs.activation : 'linear';
  const leakyreluAlpha = typeof attrs.leakyreluAlpha === 'number' ? attrs.leakyreluAlpha : 0.2;
  const g = matMulGeometry(a.shape, b.shape, transposeA, transposeB);
  const scratch = new Scratch(backend);
  try {
    const vectorBias = bias !== undefined && bias.dtype === 'float32' && bias.shape.length === 1 && bias.shape[0] === g.n;
    if (bias === undefined || vectorBias) {
      // AiT.js's SIMD GEMM, bias added in the kernel; the activation follows as its own kernel
      let x = simdMatMul(backend, a, b, transposeA, transposeB, g, bias);
      if (x) {
        if (activation !== 'linear') {
          scratch.keep(x);
          x = scratch.keep(applyActivation(backendName, backendRaw, x, activation, prelu, leakyreluAlpha));
          scratch.release(x);
        }
        return x;
      }
    }
    const simpleBias = bias === undefined || bias.shape.length === 1;
    if (g.batchB === 1 && simpleBias && g.batch > 0 && g.m * g.n * g.k > 0) {
      const aa = transposeA ? scratch.keep(swapLastTwo(backendName, backendRaw, a)) : a;
      const bb = transposeB ? scratch.keep(swapLastTwo(backendName, backendRaw, b)) : b;
      const a3 = scratch.keep(reshapeInfo(backendName, backendRaw, aa, [1, g.batchA * g.m, g.k]));
      const b3 = scratch.keep(reshapeInfo(backendName, backendRaw, bb, [1, g.k, g.n]));
      const out = withPackableOperand(backend, b3, g.k, g.n, (operand) => {
        const fusedInputs: tf.NamedTensorInfoMap = { a: a3, b: operand };
        if (bias) fusedInputs.bias = bias;
        if (prelu) fusedInputs.preluActivationWeights = prelu;
        return call.originalKernel()({
          inputs: fusedInputs,
          backend: backendRaw as object,
          attrs: { ...attrs, transposeA: false, transposeB: false },
        }) as tf.TensorInfo;
      });
      out.shape = g.outShape;
      return out;
    }
    let x = scratch.keep(wasmFastMatMul(backendName, backendRaw, matMul, a, b, transposeA, transposeB));
    if (bias) x = scratch.keep(runKernel(tf.Add, backendName, backendRaw, { a: x, b: bias }));
    if (activation !== 'linear') {
      x = scratch.keep(applyActivation(backendName, backendRaw, x, activation, prelu, leakyreluAlpha));
    }
    scratch.release(x);
    return x;
  } finally {
    scratch.release();
  }
}
