import * as tf from '@tensorflow/tfjs-core';

/**
 * Sums `grad` (shape `[...outerOut, r, c]`) over the batch dimensions that `target` (shape
 * `[...outerT, r, c]`) was broadcast along, and reshapes it to `target`'s shape.
 */
function reduceToShape(grad: tf.Tensor, targetShape: readonly number[]): tf.Tensor {
  if (tf.util.arraysEqual(grad.shape, targetShape as number[])) return grad;
  const outer = grad.shape.slice(0, -2);
  const targetOuter = targetShape.slice(0, -2);
  const axes = tf.broadcast_util.getReductionAxes(targetOuter, outer);
  const summed = axes.length > 0 ? tf.sum(grad, axes, true) : grad;
  return tf.reshape(summed, targetShape as number[]);
}

/**
 * Gradient of `matMul(a, b, transposeA, transposeB)` for `b` when `b` is shared by every matrix
 * of `a` (rank 2, or batch size 1): the batch is folded into the rows of one 2-D product, which
 * is both cheaper than a batched product plus a sum and exact in shape. Returns null when the
 * layout does not allow folding (transposed `a`).
 */
function foldedSharedGrad(dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor | null {
  if (transposeA) return null;
  const k = a.shape[a.rank - 1] as number;
  const n = dy.shape[dy.rank - 1] as number;
  const rows = a.size / k;
  if (dy.size / n !== rows) return null;
  const a2 = tf.reshape(a, [rows, k]);
  const dy2 = tf.reshape(dy, [rows, n]);
  // b = [k, n]: db = a^T dy.  b = [n, k] (transposeB): db = dy^T a.
  const db2 = transposeB ? tf.matMul(dy2, a2, true, false) : tf.matMul(a2, dy2, true, false);
  return tf.reshape(db2, b.shape);
}

/**
 * Gradient of `BatchMatMul` that gives each input a gradient of its own shape when the batch
 * dimensions broadcast (tfjs 4.22's returns the broadcast shape, which breaks training of e.g.
 * `[batch, t, d] x [d, n]` products), and folds the batch into one 2-D product where one operand
 * is shared by the whole batch. Registered globally (gradients are not per backend).
 */
export const batchMatMulGradConfig: tf.GradConfig = {
  kernelName: tf.BatchMatMul,
  inputsToSave: ['a', 'b'],
  gradFunc: (dyIn: tf.Tensor | tf.Tensor[], saved: tf.Tensor[], attrs: tf.NamedAttrMap) => {
    const dy = dyIn as tf.Tensor;
    const [a, b] = saved as [tf.Tensor, tf.Tensor];
    const transposeA = attrs.transposeA === true;
    const transposeB = attrs.transposeB === true;
    const batchA = tf.util.sizeFromShape(a.shape.slice(0, -2));
    const batchB = tf.util.sizeFromShape(b.shape.slice(0, -2));
    const batchOut = tf.util.sizeFromShape(dy.shape.slice(0, -2));
    // with op(x) = x or x^T: da = dy op(b)^T, or op(b) dy^T where a was transposed;
    // db = op(a)^T dy, or dy^T op(a) where b was transposed
    const gradA = (): tf.Tensor => {
      const da = transposeA ? tf.matMul(b, dy, transposeB, true) : tf.matMul(dy, b, false, !transposeB);
      return reduceToShape(da, a.shape);
    };
    const gradB = (): tf.Tensor => {
      if (batchB === 1 && batchA === batchOut && batchOut > 1) {
        const folded = foldedSharedGrad(dy, a, b, transposeA, transposeB);
        if (folded) return folded;
      }
      const db = transposeB ? tf.matMul(dy, a, true, transposeA) : tf.matMul(a, dy, !transposeA, false);
      return reduceToShape(db, b.shape);
    };
    return { a: gradA, b: gradB };
  },
};
