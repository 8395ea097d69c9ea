import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  ConfigError,
  layerArgsShape,
  singleTensor,
  z,
  type CallKwargs,
  type LayerArgsOf,
  type LayerConfigOf,
} from '../../src/index';
import { expectConfigRoundTrip, useBackend } from '../../testing/index';

useBackend('cpu');

const scaleSchema = z.strictObject({
  ...layerArgsShape,
  /** The factor. */
  factor: z.number().positive(),
  /** An offset; default 0. */
  offset: z.number().default(0),
});

/** A layer of a user's own, written as the library's layers are: options once, on the schema. */
class Scale extends AitLayer {
  static className = 'TestScale';
  readonly config: LayerConfigOf<typeof scaleSchema>;

  constructor(args: LayerArgsOf<typeof scaleSchema>) {
    super(args);
    this.config = this.configureLayer('Scale', scaleSchema, args);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape | Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.layerLabel, inputs);
    return tf.add(tf.mul(x, this.config.factor), this.config.offset);
  }
}
tf.serialization.registerClass(Scale);

/** A layer that never calls configureLayer: its layerLabel falls back to the class name. */
class Bare extends AitLayer {
  static className = 'TestBare';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return singleTensor(this.layerLabel, inputs);
  }
}
tf.serialization.registerClass(Bare);

describe('AitLayer.configureLayer and layerLabel', () => {
  it('validates the options, fills defaults, serialises them and names the layer in errors', () => {
    const layer = new Scale({ name: 'sc', factor: 2 });
    expect(layer.config).toEqual({ factor: 2, offset: 0 });
    expect(layer.getConfig()).toMatchObject({ name: 'sc', factor: 2, offset: 0 });
    expectConfigRoundTrip(layer);
    expect(Array.from((layer.apply(tf.tensor1d([1, 2])) as tf.Tensor).dataSync())).toEqual([2, 4]);
    expect(() => layer.apply([tf.ones([1]), tf.ones([1])])).toThrow(/^Scale 'sc': expects one input tensor, got 2/);
    expect(() => new Scale({ name: 'bad', factor: -1 })).toThrow(ConfigError);
    expect(() => new Scale({ name: 'bad', factor: -1 })).toThrow(/Scale 'bad'.*factor/s);
    expect(() => new Scale({ factor: 1, ofset: 2 } as never)).toThrow(/ofset/);
  });

  it('falls back to the class name without configureLayer', () => {
    const layer = new Bare({ name: 'b' });
    expect(() => layer.apply([tf.ones([1]), tf.ones([1])])).toThrow(/^TestBare 'b': expects one input tensor/);
    expect(layer.getConfig()).toEqual({ name: 'b', trainable: true });
  });
});
