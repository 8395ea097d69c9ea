import * as tf from '@tensorflow/tfjs-core';
import { validateClassificationInputs } from './losses';

/**
 * Fraction of rows whose argmax equals the label.
 *
 * @param logits `[batch, classes]` scores (any monotone transform of them gives the same result).
 * @param labels `[batch]` class indices (int32 or float of integers) in `[0, classes)`; checked
 *   where they are in host memory (on GPU backends an out-of-range label counts as a miss).
 * @returns float32 scalar `[]` in [0, 1]. Ties go to the lowest class index (as `tf.argMax`).
 */
export function accuracy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  validateClassificationInputs('accuracy', logits, labels);
  return tf.tidy(() => {
    const predicted = tf.argMax(logits, 1);
    const classIndex = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
    return tf.mean(tf.cast(tf.equal(predicted, classIndex), 'float32')) as tf.Scalar;
  });
}

/**
 * Top-k accuracy: fraction of rows whose label is among the `k` highest-scoring classes.
 *
 * A row counts when fewer than `k` classes rank before the label, where class `c` ranks before
 * label `y` if `logits[c] > logits[y]`, or if they are equal and `c < y` (ties go to the lower
 * index, so `k = 1` agrees with {@link accuracy}).
 *
 * @param logits `[batch, classes]` scores.
 * @param labels `[batch]` class indices (int32 or float of integers) in `[0, classes)`; checked
 *   where they are in host memory (on GPU backends an out-of-range label counts as a miss).
 * @param k integer in `[1, classes]`.
 * @returns float32 scalar `[]` in [0, 1].
 */
export function topKAccuracy(logits: tf.Tensor, labels: tf.Tensor, k: number): tf.Scalar {
  const { classes } = validateClassificationInputs('topKAccuracy', logits, labels);
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 1 || k > classes) {
    throw new Error(`topKAccuracy: k must be an integer in [1, ${classes}] (the number of classes), got ${String(k)}.`);
  }
  return tf.tidy(() => {
    const x = logits.dtype === 'float32' ? logits : tf.cast(logits, 'float32');
    const classIndex = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
    const isLabel = tf.cast(tf.oneHot(classIndex, classes), 'bool');
    // The label's own score per row, [batch, 1] (max over a row with -Inf everywhere else).
    const labelScore = tf.max(tf.where(isLabel, x, tf.fill(x.shape, -Infinity)), 1, true);
    const columns = tf.reshape(tf.range(0, classes, 1, 'int32'), [1, classes]);
    const before = tf.logicalOr(
      tf.greater(x, labelScore),
      tf.logicalAnd(tf.equal(x, labelScore), tf.less(columns, tf.reshape(classIndex, [-1, 1]))),
    );
    const rank = tf.sum(tf.cast(before, 'int32'), 1);
    return tf.mean(tf.cast(tf.less(rank, k), 'float32')) as tf.Scalar;
  });
}
