import type * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { formatShape } from '@ait/core';

/** Height, width and channels of an image batch `[batch, height, width, channels]`. */
export interface ImageDims {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** What an image model expects of its input; `null` / absent means "any". */
export interface ImageExpectation {
  readonly imageSize?: number | null;
  readonly channels?: number | null;
}

function questionInputError(where: string, count: number): Error {
  return new Error(
    `${where}: expects one input, images [batch, height, width, channels], but got ${count} inputs. ` +
      `This model has no question input; only AiT's question-token variant takes [images, questions].`,
  );
}

function checkDims(where: string, shape: readonly (number | null)[], expected: ImageExpectation): ImageDims {
  if (shape.length !== 4) {
    throw new Error(
      `${where}: images must have rank 4 [batch, height, width, channels] (channels last), got shape ` +
        `${formatShape(shape)}. Add a channel axis to grayscale images ([batch, height, width, 1]).`,
    );
  }
  const [, height, width, channels] = shape as [number | null, number | null, number | null, number | null];
  if (height === null || width === null || channels === null) {
    throw new Error(`${where}: the image height, width and channels must be known to build the model, got ${formatShape(shape)}.`);
  }
  const size = expected.imageSize ?? null;
  if (size !== null && (height !== size || width !== size)) {
    throw new Error(
      `${where}: the model is configured for ${size}x${size} images but got ${height}x${width} ` +
        `(shape ${formatShape(shape)}). Resize the images to ${size}x${size}, or create the model with ` +
        `imageSize: ${height === width ? height : 'null'}${height === width ? '' : ' (non-square input)'}.`,
    );
  }
  const c = expected.channels ?? null;
  if (c !== null && channels !== c) {
    throw new Error(
      `${where}: the model is configured for ${c}-channel images but got ${channels} channels ` +
        `(shape ${formatShape(shape)}). Convert the images, or create the model with channels: ${channels}.`,
    );
  }
  return { height, width, channels };
}

/**
 * The image shape `[batch, height, width, channels]` of a one-input image model's `build` /
 * `computeOutputShape` argument, checked against the model's expectation. Throws an Error that
 * names the problem and the fix for a second (question) input, a wrong rank, unknown sizes, or a
 * size / channel count other than the configured one.
 */
export function imageInputShape(where: string, inputShape: Shape | Shape[], expected: ImageExpectation): Shape {
  const list = inputShape.length > 0 && Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
  if (list.length !== 1) throw questionInputError(where, list.length);
  const shape = list[0] as Shape;
  checkDims(where, shape, expected);
  return shape;
}

/**
 * The image batch `[batch, height, width, channels]` of a one-input image model's `call`
 * argument, checked like {@link imageInputShape}; also requires float32 pixels.
 */
export function imageInputTensor(
  where: string,
  inputs: tf.Tensor | tf.Tensor[],
  expected: ImageExpectation,
): { images: tf.Tensor4D; dims: ImageDims } {
  const list = Array.isArray(inputs) ? inputs : [inputs];
  if (list.length !== 1) throw questionInputError(where, list.length);
  const images = list[0] as tf.Tensor;
  const dims = checkDims(where, images.shape, expected);
  if (images.dtype !== 'float32') {
    throw new Error(`${where}: images must be float32, got ${images.dtype}. Cast them with tf.cast(images, 'float32').`);
  }
  return { images: images as tf.Tensor4D, dims };
}

/** Throws unless `patchSize` divides both image sides; says how to fix it otherwise. */
export function assertPatchFits(where: string, height: number, width: number, patchSize: number): void {
  if (height % patchSize !== 0 || width % patchSize !== 0) {
    throw new Error(
      `${where}: image size ${height}x${width} is not divisible by the patch size ${patchSize}. Resize or pad ` +
        `the images to a multiple of ${patchSize}, or choose a patchSize that divides both sides.`,
    );
  }
}
