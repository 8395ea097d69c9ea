import * as tf from '@tensorflow/tfjs-core';

/** What a {@link customGradOp} body returns: the value and the closed-form gradient. */
export interface CustomGradResult<T extends tf.Tensor> {
  value: T;
  /** Gradients for each input, in order, given `dy` (shaped like `value`) and the saved tensors. */
  gradFunc: (dy: T, saved: tf.Tensor[]) => tf.Tensor[];
}

/**
 * A typed wrapper of `tf.customGrad`: `body` receives the input tensors as an array and the save
 * function, and returns the value with its gradient function.
 */
export function customGradOp<T extends tf.Tensor>(
  body: (inputs: tf.Tensor[], save: tf.GradSaveFunc) => CustomGradResult<T>,
): (...inputs: tf.Tensor[]) => T {
  return tf.customGrad<T>((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    return body(args.slice(0, -1) as tf.Tensor[], save);
  });
}
