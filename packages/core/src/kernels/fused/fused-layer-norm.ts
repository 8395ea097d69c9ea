import * as tf from '@tensorflow/tfjs-core';
import { customGradOp } from '../gradients/custom-grad-op';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../wasm/wasm-layer-norm';

/**
 * Layer normalisation over the last axis with a hand-written gradient:
 * `y = (x - mean) / sqrt(var + epsilon) * gamma + beta`, `x` `[..., d]`, `gamma` and `beta` `[d]`,
 * `y` like `x` (biased variance, as PyTorch's `nn.LayerNorm`). The backward pass is the closed
 * form `dx = rstd * (g - mean(g) - xhat * mean(g * xhat))` with `g = dy * gamma`, about half the
 * kernels that automatic differentiation of the plain definition runs; values and gradients equal
 * the plain definition's within float32 rounding. Where the backend has AiT.js's layer-norm
 * kernels (wasm, see `registerFastKernels`), forward and backward each run as one kernel. Throws when `gamma`/`beta` do not have shape `[d]`.
 */
export function fusedLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  const d = x.shape[x.rank - 1];
  if (x.rank < 1 || d === undefined) throw new Error('fusedLayerNorm: x must have rank >= 1, shaped [..., d].');
  if (gamma.rank !== 1 || gamma.shape[0] !== d || beta.rank !== 1 || beta.shape[0] !== d) {
    throw new Error(
      `fusedLayerNorm: gamma and beta must have shape [${d}] (the last axis of x [${x.shape.join(', ')}]), ` +
        `got [${gamma.shape.join(', ')}] and [${beta.shape.join(', ')}].`,
    );
  }
  if (!(epsilon > 0)) throw new Error(`fusedLayerNorm: epsilon must be > 0, got ${epsilon}.`);
  const allFloat = x.dtype === 'float32' && gamma.dtype === 'float32' && beta.dtype === 'float32';
  if (allFloat && tf.getKernel(LAYER_NORM_KERNEL, tf.getBackend())) {
    const kernelNorm = customGradOp<tf.Tensor>((inputs, save) => {
      const [xs, g, b] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor];
      const [y, mean, rstd] = tf.engine().runKernel(LAYER_NORM_KERNEL, { x: xs, gamma: g, beta: b }, { epsilon }) as tf.Tensor[];
      save([xs, mean as tf.Tensor, rstd as tf.Tensor, g]);
      return {
        value: y as tf.Tensor,
        gradFunc: (dy, saved) => {
          const [sx, sMean, sRstd, sGamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
          return tf.engine().runKernel(LAYER_NORM_GRAD_KERNEL, { x: sx, mean: sMean, rstd: sRstd, gamma: sGamma, dy }, {}) as tf.Tensor[];
        },
      };
    });
    return kernelNorm(x, gamma, beta);
  }
  const axis = x.rank - 1;
  const leading = Array.from({ length: axis }, (_, i) => i);
  const f = customGradOp<tf.Tensor>((inputs, save) => {
    const [xs, g, b] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor];
    const { mean, variance } = tf.moments(xs, axis, true);
    const rstd = tf.rsqrt(tf.add(variance, epsilon));
    const xhat = tf.mul(tf.sub(xs, mean), rstd);
    save([xhat, rstd, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy, saved) => {
        const [sXhat, sRstd, sGamma] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const gy = tf.mul(dy, sGamma);
        const meanG = tf.mean(gy, axis, true);
        const meanGX = tf.mean(tf.mul(gy, sXhat), axis, true);
        const dx = tf.mul(tf.sub(tf.sub(gy, meanG), tf.mul(sXhat, meanGX)), sRstd);
        const dGamma = leading.length > 0 ? tf.sum(tf.mul(dy, sXhat), leading) : tf.mul(dy, sXhat);
        const dBeta = leading.length > 0 ? tf.sum(dy, leading) : dy;
        return [dx, dGamma, dBeta];
      },
    };
  });
  return f(x, gamma, beta);
}

/** The plain definition of layer normalisation (automatic differentiation), for comparison. */
export function plainLayerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  return tf.tidy(() => {
    const axis = x.rank - 1;
    const mean = tf.mean(x, axis, true);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), axis, true);
    return tf.add(tf.mul(tf.div(centered, tf.sqrt(tf.add(variance, epsilon))), gamma), beta);
  });
}
