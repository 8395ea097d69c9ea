import * as tf from '@tensorflow/tfjs-core';
import { hostValues } from '../backend/host-values';
import { validateConfig, z } from '../config/validate-config';
import { nanIfLabelOutOfRange } from './label-guard';

/** Options of {@link crossEntropy}. */
export interface CrossEntropyOptions {
  /** Label smoothing `eps` in [0, 1]; default 0. */
  labelSmoothing?: number;
}

const crossEntropyOptionsSchema = z
  .strictObject({
    labelSmoothing: z
      .number('must be a finite number')
      .min(0, 'must be in [0, 1] (0 switches smoothing off)')
      .max(1, 'must be in [0, 1] (0 switches smoothing off)')
      .default(0),
  })
  .default({ labelSmoothing: 0 });

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Checks a classification pair and returns its sizes: `logits` must be `[batch, classes]` with
 * batch, classes >= 1, and `labels` `[batch]` (int32, or float holding integers) with every value
 * in `[0, classes)`. Throws an Error naming the problem and the fix otherwise. The label values
 * are checked where they are in host memory (the cpu, wasm and tensorflow backends); on a GPU
 * backend (webgpu, webgl) they are not read back (a synchronous read would stall or fail there),
 * and `valuesChecked` is false: {@link crossEntropy} then makes the loss NaN for an out-of-range
 * label, on the device.
 *
 * @param where the calling function's name, used in messages.
 */
export function validateClassificationInputs(
  where: string,
  logits: tf.Tensor,
  labels: tf.Tensor,
): { batch: number; classes: number; valuesChecked: boolean } {
  if (!(logits instanceof tf.Tensor) || !(labels instanceof tf.Tensor)) {
    throw new Error(`${where}: logits and labels must be tensors.`);
  }
  if (logits.rank !== 2) {
    throw new Error(
      `${where}: logits must have shape [batch, classes], got ${shapeText(logits.shape)}; ` +
        'reshape (or pool the tokens) to one row of class scores per example.',
    );
  }
  const [batch, classes] = logits.shape as [number, number];
  if (batch < 1 || classes < 1) {
    throw new Error(`${where}: logits ${shapeText(logits.shape)} must have at least one row and one class.`);
  }
  if (labels.rank !== 1 || labels.shape[0] !== batch) {
    throw new Error(
      `${where}: labels must have shape [batch] = [${batch}] (one integer class index per logits row), got ` +
        `${shapeText(labels.shape)}. Pass class indices, not one-hot vectors, and the same batch as the logits.`,
    );
  }
  if (labels.dtype !== 'int32' && labels.dtype !== 'float32') {
    throw new Error(`${where}: labels must be int32 (or float32 holding integers), got dtype ${labels.dtype}.`);
  }
  const values = hostValues(labels);
  if (values === null) return { batch, classes, valuesChecked: false };
  for (let i = 0; i < values.length; i++) {
    const y = values[i] as number;
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new Error(
        `${where}: labels[${i}] = ${y} is not a class index in [0, ${classes}); labels must be integers ` +
          `0 .. ${classes - 1} matching the logits' ${classes} columns.`,
      );
    }
  }
  return { batch, classes, valuesChecked: true };
}

/**
 * Mean cross-entropy of logits [batch, classes] against integer labels [batch] (int32 or float of integers),
 * with label smoothing eps as in PyTorch: target = (1-eps) onehot + eps/classes. Numerically stable (logSoftmax).
 *
 * Returns a float32 scalar `[]`: `mean_b( -sum_c target[b, c] * logSoftmax(logits)[b, c] )`; its
 * gradient w.r.t. the logits is `(softmax(logits) - target) / batch`. Differentiable w.r.t. the
 * logits (use inside `tf.variableGrads`); labels are validated (shape, integer values in range;
 * on GPU backends the values on the device, giving a NaN loss for an out-of-range label, see
 * {@link validateClassificationInputs}). Reads nothing back synchronously on GPU backends.
 */
export function crossEntropy(logits: tf.Tensor, labels: tf.Tensor, options?: CrossEntropyOptions): tf.Scalar {
  const { labelSmoothing: eps } = validateConfig('crossEntropy options', crossEntropyOptionsSchema, options);
  const { classes, valuesChecked } = validateClassificationInputs('crossEntropy', logits, labels);
  return tf.tidy(() => {
    const x = logits.dtype === 'float32' ? logits : tf.cast(logits, 'float32');
    const logp = tf.logSoftmax(x, 1);
    const classIndex = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
    const isTarget = tf.cast(tf.oneHot(classIndex, classes), 'bool');
    // where() instead of a product so that -Inf log-probabilities of other classes stay out of it.
    const nll = tf.neg(tf.sum(tf.where(isTarget, logp, tf.zerosLike(logp)), 1));
    const perRow = eps > 0 ? tf.add(tf.mul(nll, 1 - eps), tf.mul(tf.neg(tf.mean(logp, 1)), eps)) : nll;
    const loss = tf.mean(perRow) as tf.Scalar;
    return valuesChecked ? loss : nanIfLabelOutOfRange(loss, labels, classes);
  });
}
