import * as tf from '@tensorflow/tfjs-core';
import { hostValues } from '../../backend/host-values';
import { nanIfLabelOutOfRange } from '../../training/label-guard';
import { customGradOp } from '../gradients/custom-grad-op';

/**
 * Mean softmax cross-entropy of `logits` `[batch, classes]` against `labels`: either int32 class
 * indices `[batch]` or (soft) one-hot float32 `[batch, classes]`. Returns a scalar. The gradient
 * is the closed form `(softmax(logits) - labels) / batch` (one subtraction instead of the chain
 * through log-softmax); equal to the plain definition within float32 rounding. Throws when the
 * shapes do not match or an index is out of range (where the indices are in host memory; on GPU
 * backends they are not read back and an out-of-range index makes the loss NaN).
 */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  if (logits.rank !== 2) {
    throw new Error(`softmaxCrossEntropy: logits must be [batch, classes], got [${logits.shape.join(', ')}].`);
  }
  const [batch, classes] = logits.shape as [number, number];
  let indicesChecked = true;
  const oneHot = tf.tidy(() => {
    if (labels.dtype === 'int32') {
      if (labels.rank !== 1 || labels.shape[0] !== batch) {
        throw new Error(`softmaxCrossEntropy: int32 labels must be [${batch}] class indices, got [${labels.shape.join(', ')}].`);
      }
      const ids = hostValues(labels);
      indicesChecked = ids !== null;
      for (const id of ids === null ? [] : Array.from(ids as ArrayLike<number>)) {
        if (id < 0 || id >= classes || !Number.isInteger(id)) {
          throw new Error(`softmaxCrossEntropy: label ${id} is outside [0, ${classes}); fix the labels or the class count.`);
        }
      }
      return tf.cast(tf.oneHot(labels as tf.Tensor1D, classes), 'float32');
    }
    if (!tf.util.arraysEqual(labels.shape, logits.shape)) {
      throw new Error(
        `softmaxCrossEntropy: one-hot labels must have the logits' shape [${logits.shape.join(', ')}], ` +
          `got [${labels.shape.join(', ')}]; pass int32 class indices [batch] instead if that is what you have.`,
      );
    }
    return tf.cast(labels, 'float32');
  });
  const f = customGradOp<tf.Scalar>((inputs, save) => {
    const [z, y] = inputs as [tf.Tensor, tf.Tensor];
    const logProbs = tf.logSoftmax(z);
    save([logProbs, y]);
    const loss = tf.div(tf.neg(tf.sum(tf.mul(y, logProbs))), batch) as tf.Scalar;
    return {
      value: loss,
      gradFunc: (dyIn, saved) => {
        const [sLogProbs, sY] = saved as [tf.Tensor, tf.Tensor];
        const scale = tf.div(dyIn, batch);
        const dz = tf.mul(tf.sub(tf.exp(sLogProbs), sY), scale);
        // Labels are data, but give them the true gradient (-logProbs / batch) all the same.
        const dy = tf.mul(tf.neg(sLogProbs), scale);
        return [dz, dy];
      },
    };
  });
  const out = f(logits, oneHot) as tf.Scalar;
  oneHot.dispose();
  if (indicesChecked) return out;
  const guarded = nanIfLabelOutOfRange(out, labels, classes);
  out.dispose();
  return guarded;
}

/** The plain definition (automatic differentiation through log-softmax), for comparison. */
export function plainSoftmaxCrossEntropy(logits: tf.Tensor, oneHotLabels: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(tf.sum(tf.mul(oneHotLabels, tf.logSoftmax(logits)), -1))) as tf.Scalar);
}
