import * as tf from '@tensorflow/tfjs-core';

function checkGradients(where: string, gradients: readonly tf.Tensor[]): void {
  if (!Array.isArray(gradients)) {
    throw new Error(`${where}: gradients must be an array of tensors.`);
  }
  gradients.forEach((g, i) => {
    if (!(g instanceof tf.Tensor)) {
      throw new Error(`${where}: gradients[${i}] is not a tensor; pass the gradient tensors in parameter order.`);
    }
    if (g.isDisposed) {
      throw new Error(`${where}: gradients[${i}] is already disposed.`);
    }
  });
}

/**
 * Global L2 norm of a list of tensors of any shapes: `sqrt(sum_i sum(g_i^2))`, as a float32
 * scalar `[]` the caller disposes (0 for an empty list).
 */
export function globalNorm(gradients: readonly tf.Tensor[]): tf.Scalar {
  checkGradients('globalNorm', gradients);
  return tf.tidy(() => {
    if (gradients.length === 0) return tf.scalar(0);
    const squares = gradients.map((g) => tf.sum(tf.square(tf.cast(g, 'float32'))));
    return tf.sqrt(tf.addN(squares)) as tf.Scalar;
  });
}

/**
 * Scales gradients so their global L2 norm is at most maxNorm (PyTorch's clip_grad_norm_); returns the new
 * tensors (caller disposes the old ones) and the norm before clipping.
 *
 * As in PyTorch the scale is `min(1, maxNorm / (norm + 1e-6))`. The returned list always holds new
 * tensors (copies when no clipping is needed), same shapes and order as the input. When the norm is
 * not finite (a NaN/Inf gradient) the gradients are returned unscaled and `norm` is NaN or Infinity,
 * so the caller can reject the step. Reads one number back from the device, asynchronously (a
 * synchronous read would stall a GPU backend, and fails on webgpu under Node).
 *
 * @param maxNorm finite and > 0.
 */
export async function clipByGlobalNorm(
  gradients: readonly tf.Tensor[],
  maxNorm: number,
): Promise<{ gradients: tf.Tensor[]; norm: number }> {
  if (typeof maxNorm !== 'number' || !Number.isFinite(maxNorm) || maxNorm <= 0) {
    throw new Error(`clipByGlobalNorm: maxNorm must be a finite number > 0, got ${String(maxNorm)}.`);
  }
  const normTensor = globalNorm(gradients);
  let norm: number;
  try {
    norm = (await normTensor.data())[0] as number;
  } finally {
    normTensor.dispose();
  }
  const scale = Number.isFinite(norm) ? Math.min(1, maxNorm / (norm + 1e-6)) : 1;
  const clipped = gradients.map((g) => (scale < 1 ? tf.tidy(() => tf.mul(g, scale)) : tf.clone(g)));
  return { gradients: clipped, norm };
}
