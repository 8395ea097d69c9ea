import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, assertMinRank, assertRank, formatShape } from './assert-shape';

/**
 * Affine map over the last axis: `y = x W + b`.
 *
 * Shapes: `x [..., in]`, `kernel [in, units]`, optional `bias [units]` -> `[..., units]`.
 * Any rank >= 1 works; the product runs as one 2-D matmul `[prod(...), in] x [in, units]`.
 */
export function linear(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor | null): tf.Tensor {
  const where = 'linear';
  assertFloat(where, 'x', x);
  assertMinRank(where, 'x', x, 1, '[..., in]');
  assertRank(where, 'kernel', kernel, [2], '[in, units]');
  const inDim = kernel.shape[0] as number;
  const units = kernel.shape[1] as number;
  if (x.shape[x.rank - 1] !== inDim) {
    throw new Error(
      `${where}: x has shape ${formatShape(x.shape)} but the kernel ${formatShape(kernel.shape)} expects ` +
        `the last dimension to be ${inDim}. Give x a last dimension of ${inDim} or use a kernel of shape [${
          x.shape[x.rank - 1]
        }, ${units}].`,
    );
  }
  if (bias != null && (bias.rank !== 1 || bias.shape[0] !== units)) {
    throw new Error(`${where}: bias must have shape [${units}], got ${formatShape(bias.shape)}.`);
  }
  return tf.tidy(() => {
    const lead = x.shape.slice(0, -1);
    const x2 = tf.reshape(x, [-1, inDim]) as tf.Tensor2D;
    const y = tf.fused.matMul({ a: x2, b: kernel as tf.Tensor2D, ...(bias != null ? { bias } : {}) });
    return tf.reshape(y, [...lead, units]);
  });
}
