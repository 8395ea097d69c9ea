import type * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { formatShape, toShapeList, toTensorList } from '@ait/core';

/** What a vision model expects as input. */
export interface VisionInputSpec {
  /** Image side the model was configured for (square images), or `null` for any size. */
  readonly imageSize: number | null;
  /** Image channels. */
  readonly channels: number;
  /** Width of the question vector for question-token models, `null` for image-only models. */
  readonly questionDim: number | null;
  /** Why the image size is fixed (for the error message), e.g. "the flatten head". */
  readonly fixedBy?: string;
}

function checkImageShape(where: string, shape: readonly (number | null)[], spec: VisionInputSpec): void {
  if (shape.length !== 4) {
    throw new Error(`${where}: images must have shape [batch, height, width, channels] (channels last), got ${formatShape(shape)}.`);
  }
  const [, h, w, c] = shape;
  if (c != null && c !== spec.channels) {
    throw new Error(
      `${where}: the model was configured for ${spec.channels}-channel images but got ${formatShape(shape)}; ` +
        `convert the images or create the model with channels: ${c}.`,
    );
  }
  if (spec.imageSize !== null && ((h != null && h !== spec.imageSize) || (w != null && w !== spec.imageSize))) {
    throw new Error(
      `${where}: the model was configured for ${spec.imageSize}x${spec.imageSize} images` +
        `${spec.fixedBy ? ` (${spec.fixedBy} fixes the number of tokens)` : ''} but got ${h ?? '?'}x${w ?? '?'} ` +
        `(input ${formatShape(shape)}). Resize the images to ${spec.imageSize}x${spec.imageSize}, or create the model ` +
        `with imageSize: ${h ?? w}.`,
    );
  }
}

function countError(where: string, count: number, spec: VisionInputSpec): Error {
  if (spec.questionDim !== null) {
    return new Error(
      `${where}: the question vector is missing. This model has a question token (questionDim ${spec.questionDim}, ` +
        `the Sort-of-CLEVR variant); call it with [images [batch, H, W, ${spec.channels}], questions ` +
        `[batch, ${spec.questionDim}]], got ${count} input(s).`,
    );
  }
  return new Error(
    `${where}: expects one input, images [batch, H, W, ${spec.channels}], got ${count} inputs. To feed a question ` +
      `vector, create the model with questionDim (e.g. 18 for Sort-of-CLEVR).`,
  );
}

function checkQuestionShape(where: string, shape: readonly (number | null)[], spec: VisionInputSpec): void {
  const q = spec.questionDim as number;
  if (shape.length !== 2 || (shape[1] != null && shape[1] !== q)) {
    throw new Error(
      `${where}: questions must have shape [batch, ${q}], got ${formatShape(shape)}; encode each question as a ` +
        `${q}-d vector (or create the model with questionDim: ${shape[shape.length - 1] ?? '?'}).`,
    );
  }
}

/** Splits and checks input shapes: images `[batch, H, W, C]` and, for question models, questions `[batch, q]`. */
export function splitVisionInputShapes(
  where: string,
  inputShape: Shape | Shape[],
  spec: VisionInputSpec,
): { images: Shape; questions: Shape | null } {
  const shapes = toShapeList(inputShape);
  const expected = spec.questionDim === null ? 1 : 2;
  if (shapes.length !== expected) throw countError(where, shapes.length, spec);
  const images = shapes[0] as Shape;
  checkImageShape(where, images, spec);
  if (spec.questionDim === null) return { images, questions: null };
  const questions = shapes[1] as Shape;
  checkQuestionShape(where, questions, spec);
  return { images, questions };
}

/**
 * Splits and checks a model's eager inputs: images `[batch, H, W, C]` and, for question models,
 * questions `[batch, q]` with the same batch size. Throws an Error naming the problem and the fix.
 */
export function splitVisionInputs(
  where: string,
  inputs: tf.Tensor | tf.Tensor[],
  spec: VisionInputSpec,
): { images: tf.Tensor4D; questions: tf.Tensor2D | null } {
  const list = toTensorList(inputs);
  const { questions } = splitVisionInputShapes(
    where,
    list.map((t) => t.shape),
    spec,
  );
  const images = list[0] as tf.Tensor4D;
  if (questions === null) return { images, questions: null };
  const q = list[1] as tf.Tensor2D;
  if (q.shape[0] !== images.shape[0]) {
    throw new Error(
      `${where}: images ${formatShape(images.shape)} and questions ${formatShape(q.shape)} must have the same batch size ` +
        '(one question per image).',
    );
  }
  return { images, questions: q };
}
