import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInt, assertRank, formatShape } from './assert-shape';

/**
 * Splits images into non-overlapping `patch x patch` patches and flattens each one:
 * `[batch, height, width, channels] -> [batch, (height / patch) * (width / patch), patch * patch * channels]`.
 *
 * Patches come in row-major order (patch `(i, j)` is token `i * (width / patch) + j`); inside a
 * patch the channel is the innermost index, so pixel `(row, col)` of the patch, channel `c`, is
 * feature `(row * patch + col) * channels + c` (as AiT's reference code flattens patches).
 * Throws if height or width is not divisible by `patch`.
 */
export function patchify(images: tf.Tensor, patch: number): tf.Tensor3D {
  const where = 'patchify';
  assertRank(where, 'images', images, [4], '[batch, height, width, channels]');
  assertPositiveInt(where, 'patch', patch);
  const [batch, height, width, channels] = images.shape as [number, number, number, number];
  if (height % patch !== 0 || width % patch !== 0) {
    throw new Error(
      `${where}: image size ${height}x${width} (shape ${formatShape(images.shape)}) is not divisible by the ` +
        `patch size ${patch}. Resize or pad the images to a multiple of ${patch}, or pick a patch size that ` +
        `divides both ${height} and ${width}.`,
    );
  }
  const gh = height / patch;
  const gw = width / patch;
  return tf.tidy(() => {
    // [B*gh, patch(row), gw, patch*C (col, channel)] -> [B*gh, gw, row, (col, channel)]: only rank-4 transposes.
    const x = tf.reshape(images, [batch * gh, patch, gw, patch * channels]);
    const t = tf.transpose(x, [0, 2, 1, 3]);
    return tf.reshape(t, [batch, gh * gw, patch * patch * channels]) as tf.Tensor3D;
  });
}
