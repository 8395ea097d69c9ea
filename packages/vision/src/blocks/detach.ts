import * as tf from '@tensorflow/tfjs-core';

/**
 * A copy of `x` that is cut from the gradient tape: the copy has the same values and shape as `x`
 * (`[...]`), but no gradient reaches `x` or anything `x` was computed from through it. Weights
 * that influence the loss only through the copy therefore receive *no* gradient at all (they are
 * absent from `tf.variableGrads`, as PyTorch's `tensor.detach()` / `.data` leaves them with
 * `grad = None`), not a zero gradient.
 *
 * tfjs has no stop-gradient op; this one is a `tf.customGrad` whose only declared input is a
 * throw-away scalar, and whose forward pass (not recorded on the tape) clones `x`.
 */
export function detach<T extends tf.Tensor>(x: T): T {
  const anchor = tf.scalar(0);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.clone(x),
    gradFunc: () => tf.zerosLike(args[0] as tf.Tensor),
  }));
  const copy = op(anchor) as T;
  anchor.dispose();
  return copy;
}
