import type * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { formatShape, toShapeList, toTensorList } from '@ait/core';

/** What a vision model expects as input; every family's model states it once (see `VisionModelSkeleton`). */
export interface VisionInputSpec {
  /** Side of the square images the model takes, or `null` for any size (fixed when the model is built). */
  readonly imageSize: number | null;
  /** Image channels, or `null` for any number (fixed when the model is built). */
  readonly channels: number | null;
  /** Width of the question vector of question-token models (Sort-of-CLEVR), `null` for image-only models. */
  readonly questionDim: number | null;
  /**
   * The part that fixes the number of tokens, e.g. "the flatten head": named in the messages, and
   * images that give another number of tokens than the model was built for are refused.
   */
  readonly fixedBy?: string;
  /** Whether the family has a question-token variant (AiT), for the message when an image-only model gets a question. */
  readonly questionVariant?: boolean;
  /** Whether the model can be built for images of unknown height and width (a symbolic input); default false. */
  readonly unknownSizeOk?: boolean;
}

/** Which images and questions a model got, checked against its {@link VisionInputSpec}. */
export interface VisionInputs<T> {
  /** Images `[batch, height, width, channels]`. */
  readonly images: T;
  /** Questions `[batch, questionDim]`, or `null` for image-only models. */
  readonly questions: T | null;
}

function countError(where: string, count: number, spec: VisionInputSpec): Error {
  if (spec.questionDim !== null) {
    return new Error(
      `${where}: the question vector is missing. This model has a question token (questionDim ${spec.questionDim}, ` +
        `the Sort-of-CLEVR variant); call it with [images [batch, H, W, ${spec.channels ?? 'C'}], questions ` +
        `[batch, ${spec.questionDim}]], got ${count} input(s).`,
    );
  }
  const fix = spec.questionVariant
    ? 'to feed a question vector, create the model with questionDim (e.g. 18 for Sort-of-CLEVR)'
    : "only AiT's question-token variant takes [images, questions]";
  return new Error(
    `${where}: expects one input, images [batch, height, width, channels], but got ${count} inputs. This model has ` +
      `no question input; ${fix}.`,
  );
}

function checkImageShape(where: string, shape: readonly (number | null)[], spec: VisionInputSpec): void {
  if (shape.length !== 4) {
    throw new Error(
      `${where}: images must have rank 4 [batch, height, width, channels] (channels last), got shape ` +
        `${formatShape(shape)}. Add a channel axis to grayscale images ([batch, height, width, 1]).`,
    );
  }
  const [, height, width, channels] = shape as [number | null, number | null, number | null, number | null];
  if (channels === null || (!spec.unknownSizeOk && (height === null || width === null))) {
    throw new Error(`${where}: the image height, width and channels must be known to build the model, got ${formatShape(shape)}.`);
  }
  const size = spec.imageSize;
  if (size !== null && ((height !== null && height !== size) || (width !== null && width !== size))) {
    const square = height !== null && height === width;
    throw new Error(
      `${where}: the model is configured for ${size}x${size} images` +
        `${spec.fixedBy ? ` (${spec.fixedBy} fixes the number of tokens)` : ''} but got ${height ?? '?'}x${width ?? '?'} ` +
        `(shape ${formatShape(shape)}). Resize the images to ${size}x${size}` +
        `${square ? `, or create the model with imageSize: ${height}` : ''}.`,
    );
  }
  if (spec.channels !== null && channels !== spec.channels) {
    throw new Error(
      `${where}: the model is configured for ${spec.channels}-channel images but got ${channels} channels ` +
        `(shape ${formatShape(shape)}). Convert the images, or create the model with channels: ${channels}.`,
    );
  }
}

function checkQuestionShape(where: string, shape: readonly (number | null)[], q: number): void {
  if (shape.length !== 2 || (shape[1] != null && shape[1] !== q)) {
    throw new Error(
      `${where}: questions must have shape [batch, ${q}], got ${formatShape(shape)}; encode each question as a ` +
        `${q}-d vector (or create the model with questionDim: ${shape[shape.length - 1] ?? '?'}).`,
    );
  }
}

/**
 * Splits and checks a model's input shapes (its `build` / `computeOutputShape` argument): images
 * `[batch, H, W, C]` and, for question models, questions `[batch, q]`. Unknown image sides become
 * the configured `imageSize` when there is one. Throws an Error naming the problem and the fix.
 */
export function splitVisionInputShapes(where: string, inputShape: Shape | Shape[], spec: VisionInputSpec): VisionInputs<Shape> {
  const shapes = toShapeList(inputShape);
  if (shapes.length !== (spec.questionDim === null ? 1 : 2)) throw countError(where, shapes.length, spec);
  const given = shapes[0] as Shape;
  checkImageShape(where, given, spec);
  const side = (s: number | null | undefined): number | null => s ?? spec.imageSize;
  const images: Shape = [given[0] ?? null, side(given[1]), side(given[2]), given[3] ?? null];
  if (spec.questionDim === null) return { images, questions: null };
  const questions = shapes[1] as Shape;
  checkQuestionShape(where, questions, spec.questionDim);
  return { images, questions };
}

/**
 * Splits and checks a model's eager inputs (its `call` argument) like
 * {@link splitVisionInputShapes}; also requires float32 pixels and one question per image.
 */
export function splitVisionInputs(where: string, inputs: tf.Tensor | tf.Tensor[], spec: VisionInputSpec): VisionInputs<tf.Tensor> {
  const list = toTensorList(inputs);
  splitVisionInputShapes(
    where,
    list.map((t) => t.shape),
    spec,
  );
  const images = list[0] as tf.Tensor;
  if (images.dtype !== 'float32') {
    throw new Error(`${where}: images must be float32, got ${images.dtype}. Cast them with tf.cast(images, 'float32').`);
  }
  const questions = spec.questionDim === null ? null : (list[1] as tf.Tensor);
  if (questions && questions.shape[0] !== images.shape[0]) {
    throw new Error(
      `${where}: images ${formatShape(images.shape)} and questions ${formatShape(questions.shape)} must have the same batch ` +
        'size (one question per image).',
    );
  }
  return { images, questions };
}

/** The options {@link tokenHeadInputSpec} reads: those of ViT and AiT. */
export interface TokenHeadOptions {
  readonly head: string;
  readonly positionEmbedding: string;
  readonly imageSize: number;
  readonly channels: number;
  readonly questionDim?: number | null;
}

/**
 * The input spec of a model whose head takes the tokens (ViT, AiT): it takes images of any size
 * the patches divide, unless the flatten head or a position embedding fixes the number of tokens;
 * then only `imageSize` images. `questionVariant`: whether the family has a question token.
 */
export function tokenHeadInputSpec(c: TokenHeadOptions, questionVariant = false): VisionInputSpec {
  const fixedBy =
    c.head === 'flatten' ? 'the flatten head' : c.positionEmbedding !== 'none' ? `the ${c.positionEmbedding} position embedding` : null;
  return {
    imageSize: fixedBy ? c.imageSize : null,
    channels: c.channels,
    questionDim: c.questionDim ?? null,
    questionVariant,
    unknownSizeOk: true,
    ...(fixedBy ? { fixedBy } : {}),
  };
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
