import * as tf from '@tensorflow/tfjs-core';

/**
 * A boolean scalar, computed on the device: whether any of `labels` (int32, or float32 holding
 * integers) is not a class index in `[0, classes)`. For losses on GPU backends, where the label
 * values are not read back (see `hostValues`): the loss becomes NaN instead of silently leaving a
 * bad row out, and the Trainer rejects the step.
 */
export function anyLabelOutOfRange(labels: tf.Tensor, classes: number): tf.Scalar {
  return tf.tidy(() => {
    const y = labels.dtype === 'float32' ? labels : tf.cast(labels, 'float32');
    let valid = tf.logicalAnd(tf.greaterEqual(y, 0), tf.less(y, classes));
    if (labels.dtype !== 'int32') valid = tf.logicalAnd(valid, tf.equal(y, tf.floor(y)));
    return tf.logicalNot(tf.all(valid)) as tf.Scalar;
  });
}

/** `loss` where every label is a valid class index, NaN otherwise (on the device, no read). */
export function nanIfLabelOutOfRange(loss: tf.Scalar, labels: tf.Tensor, classes: number): tf.Scalar {
  return tf.tidy(() => tf.where(anyLabelOutOfRange(labels, classes), tf.scalar(NaN), loss) as tf.Scalar);
}
