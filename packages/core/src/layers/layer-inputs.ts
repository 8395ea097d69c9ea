import type * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { formatShape } from '../ops/assert-shape';

/** Normalises a layer's `inputShape` argument (one shape or a list of shapes) to a list. */
export function toShapeList(inputShape: Shape | Shape[]): Shape[] {
  if (inputShape.length > 0 && Array.isArray(inputShape[0])) return inputShape as Shape[];
  return [inputShape as Shape];
}

/** Normalises a layer's `inputs` argument (one tensor or a list) to a list. */
export function toTensorList(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(inputs) ? inputs : [inputs];
}

/** The single input of a one-input layer; throws if several were given. */
export function singleTensor(where: string, inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  const list = toTensorList(inputs);
  if (list.length !== 1) {
    throw new Error(`${where}: expects one input tensor, got ${list.length}.`);
  }
  return list[0] as tf.Tensor;
}

/** The single input shape of a one-input layer; throws if several were given. */
export function singleShape(where: string, inputShape: Shape | Shape[]): Shape {
  const list = toShapeList(inputShape);
  if (list.length !== 1) {
    throw new Error(`${where}: expects one input, got ${list.length} input shapes.`);
  }
  return list[0] as Shape;
}

/** Dimension `axis` (negative counts from the end) of `shape`; throws if it is unknown (`null`). */
export function knownDim(where: string, what: string, shape: Shape, axis: number): number {
  const i = axis < 0 ? shape.length + axis : axis;
  const d = shape[i];
  if (d === null || d === undefined) {
    throw new Error(
      `${where}: dimension ${axis} of ${what} ${formatShape(shape)} must be known to build the layer; ` +
        `give the model input a fixed size on that axis.`,
    );
  }
  return d;
}

/**
 * `shape` with every dimension but the last unknown (`null`) and the last `width`: the input a layer
 * whose weights depend on the width alone builds with in `AitLayer.buildByCalling`
 * (`[batch, tokens, dim]` -> `[null, null, dim]`, one token of one example).
 */
export function widthOnlyShape(shape: Shape, width: number): Shape {
  return shape.map((_, i) => (i === shape.length - 1 ? width : null));
}
