import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInt, assertRank, formatShape } from './assert-shape';

/**
 * Splits the feature axis into heads: `[batch, tokens, heads * d] -> [batch, heads, tokens, d]`,
 * or without a batch axis `[tokens, heads * d] -> [heads, tokens, d]`. Head `h` takes features
 * `h * d .. (h + 1) * d - 1`.
 */
export function splitHeads(x: tf.Tensor, numHeads: number): tf.Tensor {
  const where = 'splitHeads';
  assertPositiveInt(where, 'numHeads', numHeads);
  assertRank(where, 'x', x, [2, 3], '[batch, tokens, heads * d] or [tokens, heads * d]');
  const features = x.shape[x.rank - 1] as number;
  if (features % numHeads !== 0) {
    throw new Error(
      `${where}: the last dimension of x ${formatShape(x.shape)} (${features}) is not divisible by ` + `numHeads = ${numHeads}.`,
    );
  }
  const d = features / numHeads;
  return tf.tidy(() => {
    if (x.rank === 2) {
      const tokens = x.shape[0] as number;
      return tf.transpose(tf.reshape(x, [tokens, numHeads, d]), [1, 0, 2]);
    }
    const [batch, tokens] = x.shape as [number, number, number];
    return tf.transpose(tf.reshape(x, [batch, tokens, numHeads, d]), [0, 2, 1, 3]);
  });
}

/**
 * Splits a packed projection into `parts` equal chunks of the feature axis and each chunk into
 * heads: `[batch, tokens, parts * heads * d] -> parts x [batch, heads, tokens, d]` (e.g. a fused
 * QKV projection into q, k and v). Equal to `tf.split(x, parts, -1).map((t) => splitHeads(t, heads))`,
 * computed as one transpose (and a gradient of one transpose) instead of a split and `parts`
 * transposes.
 */
export function splitPackedHeads(x: tf.Tensor, parts: number, numHeads: number): tf.Tensor[] {
  const where = 'splitPackedHeads';
  assertPositiveInt(where, 'parts', parts);
  assertPositiveInt(where, 'numHeads', numHeads);
  assertRank(where, 'x', x, [3], '[batch, tokens, parts * heads * d]');
  const [batch, tokens, features] = x.shape as [number, number, number];
  if (features % (parts * numHeads) !== 0) {
    throw new Error(
      `${where}: the last dimension of x ${formatShape(x.shape)} (${features}) is not divisible by ` +
        `parts * numHeads = ${parts * numHeads}.`,
    );
  }
  const d = features / (parts * numHeads);
  return tf.tidy(() => tf.unstack(tf.transpose(tf.reshape(x, [batch, tokens, parts, numHeads, d]), [2, 0, 3, 1, 4]), 0));
}

/**
 * Inverse of {@link splitHeads}: `[batch, heads, tokens, d] -> [batch, tokens, heads * d]`, or
 * `[heads, tokens, d] -> [tokens, heads * d]`.
 */
export function mergeHeads(x: tf.Tensor): tf.Tensor {
  assertRank('mergeHeads', 'x', x, [3, 4], '[batch, heads, tokens, d] or [heads, tokens, d]');
  return tf.tidy(() => {
    if (x.rank === 3) {
      const [heads, tokens, d] = x.shape as [number, number, number];
      return tf.reshape(tf.transpose(x, [1, 0, 2]), [tokens, heads * d]);
    }
    const [batch, heads, tokens, d] = x.shape as [number, number, number, number];
    return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [batch, tokens, heads * d]);
  });
}
