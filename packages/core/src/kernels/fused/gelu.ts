import * as tf from '@tensorflow/tfjs-core';
import { customGradOp } from '../gradients/custom-grad-op';
import { GELU_KERNEL, GELU_WITH_SLOPE_KERNEL } from '../wasm/wasm-gelu';

import type { GeluApproximation } from '../../ops/gelu-approximation';

const SQRT_HALF = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const TANH_C = Math.sqrt(2 / Math.PI);
const TANH_K = 0.044715;

/**
 * GELU with a closed-form gradient (any shape, elementwise). `none`:
 * `y = 0.5 x (1 + erf(x / sqrt 2))`, `dy/dx = Phi(x) + x phi(x)`. `tanh`:
 * `y = 0.5 x (1 + tanh(c (x + 0.044715 x^3)))`. Equal to the plain definitions within float32
 * rounding (tfjs' erf is accurate to about 1e-7). Where the backend has AiT.js's GELU kernels
 * (wasm, see `registerFastKernels`), the exact form runs as one pass; while gradients are
 * recorded that pass also keeps the derivative, and the backward pass is `dy * slope`.
 */
export function fusedGelu(x: tf.Tensor, approximate: GeluApproximation = 'none'): tf.Tensor {
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new Error(`fusedGelu: approximate must be "none" or "tanh", got "${String(approximate)}".`);
  }
  if (approximate === 'none' && x.dtype === 'float32' && tf.getKernel(GELU_KERNEL, tf.getBackend())) {
    if (!tf.engine().isTapeOn()) return tf.engine().runKernel(GELU_KERNEL, { x }, {}) as tf.Tensor;
    const kernelGelu = customGradOp<tf.Tensor>((inputs, save) => {
      const [y, slope] = tf.engine().runKernel(GELU_WITH_SLOPE_KERNEL, { x: inputs[0] as tf.Tensor }, {}) as tf.Tensor[];
      save([slope as tf.Tensor]);
      return { value: y as tf.Tensor, gradFunc: (dyIn, saved) => [tf.mul(dyIn, saved[0] as tf.Tensor)] };
    });
    return kernelGelu(x);
  }
  const f = customGradOp<tf.Tensor>((inputs, save) => {
    const xs = inputs[0] as tf.Tensor;
    if (approximate === 'none') {
      const cdf = tf.mul(tf.add(tf.erf(tf.mul(xs, SQRT_HALF)), 1), 0.5);
      save([xs, cdf]);
      return {
        value: tf.mul(xs, cdf),
        gradFunc: (dyIn, saved) => {
          const [sx, sCdf] = saved as [tf.Tensor, tf.Tensor];
          const pdf = tf.mul(tf.exp(tf.mul(tf.square(sx), -0.5)), INV_SQRT_2PI);
          return [tf.mul(dyIn, tf.add(sCdf, tf.mul(sx, pdf)))];
        },
      };
    }
    const inner = tf.mul(tf.add(xs, tf.mul(tf.pow(xs, 3), TANH_K)), TANH_C);
    const t = tf.tanh(inner);
    save([xs, t]);
    return {
      value: tf.mul(tf.mul(xs, 0.5), tf.add(t, 1)),
      gradFunc: (dyIn, saved) => {
        const [sx, st] = saved as [tf.Tensor, tf.Tensor];
        // d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3k x^2)
        const sech2 = tf.sub(1, tf.square(st));
        const dInner = tf.mul(tf.add(tf.mul(tf.square(sx), 3 * TANH_K), 1), TANH_C);
        const grad = tf.add(tf.mul(tf.add(st, 1), 0.5), tf.mul(tf.mul(tf.mul(sx, 0.5), sech2), dInner));
        return [tf.mul(dyIn, grad)];
      },
    };
  });
  return f(x);
}

/** The plain GELU definitions (automatic differentiation), for comparison. */
export function plainGelu(x: tf.Tensor, approximate: GeluApproximation = 'none'): tf.Tensor {
  return tf.tidy(() => {
    if (approximate === 'none') return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.div(x, Math.SQRT2)), 1));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), TANH_K)), TANH_C)), 1));
  });
}
