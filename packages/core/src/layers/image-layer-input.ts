import type * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { assertLastDim, assertRank, formatShape } from '../ops/assert-shape';
import { singleShape, singleTensor } from './layer-inputs';

const IMAGE_LAYOUT = '[batch, height, width, channels]';

/** The one input shape of an image layer (`build` / `computeOutputShape`), checked to be `[batch, height, width, channels]`. */
export function imageShape(where: string, inputShape: Shape | Shape[]): Shape {
  const shape = singleShape(where, inputShape);
  assertRank(where, 'images', { shape }, [4], IMAGE_LAYOUT);
  return shape;
}

/**
 * The one input of an image layer's `call`, checked to be `[batch, height, width, channels]` with
 * the `channels` the layer was built for.
 */
export function imageBatch(where: string, inputs: tf.Tensor | tf.Tensor[], channels: number): tf.Tensor4D {
  const images = singleTensor(where, inputs);
  assertRank(where, 'images', images, [4], IMAGE_LAYOUT);
  assertLastDim(where, 'images', images, channels, `The layer was built for ${channels}-channel images; got ${formatShape(images.shape)}.`);
  return images as tf.Tensor4D;
}
