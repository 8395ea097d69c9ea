import * as tf from '@tensorflow/tfjs-core';

/**
 * The largest absolute difference between `after` and `before` (same shape), computed on the
 * device and read back asynchronously (a synchronous read stalls a GPU backend and fails on
 * webgpu under Node). What the memories report as a step's `change`.
 */
export async function maxAbsChange(after: tf.Tensor, before: tf.Tensor): Promise<number> {
  const change = tf.tidy(() => tf.max(tf.abs(tf.sub(after, before))));
  try {
    return (await change.data())[0] as number;
  } finally {
    change.dispose();
  }
}
