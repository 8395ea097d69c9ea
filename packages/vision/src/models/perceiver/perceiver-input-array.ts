import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { assertRank, layerArgsShape, patchify, singleShape, singleTensor, z, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { VisionLayer } from '../../blocks/vision-layer';
import { assertPatchFits } from '../../blocks/vision-inputs';
import { fourierPositionFeatures } from './fourier-position-features';

const inputArraySchema = z.strictObject({
  ...layerArgsShape,
  /** Side of the square patches; 1 (the paper) uses raw pixels. */
  patchSize: z.number().int().positive(),
  /** Fourier frequency bands per axis. */
  fourierBands: z.number().int().positive(),
  /** Highest sampling rate of the Fourier features; `null` uses the grid size of the images. */
  maxFrequency: z.number().positive().nullable().default(null),
});

/** Options of {@link PerceiverInputArray} (each documented on the schema). */
export type PerceiverInputArrayArgs = LayerArgsOf<typeof inputArraySchema>;

/**
 * The Perceiver's input array: images `[batch, H, W, C]` -> pixels (or `patchSize` patches,
 * flattened channel-innermost) with the {@link fourierPositionFeatures} of their grid position
 * concatenated, `[batch, (H/P)*(W/P), P*P*C + 2 + 4 * fourierBands]`. The feature table is
 * computed for the grid the layer is built for, so it takes images of that size only. No
 * weights. Serialised as `AitPerceiverInputArray`.
 */
export class PerceiverInputArray extends VisionLayer<typeof inputArraySchema> {
  /** tfjs serialisation name. */
  static className = 'AitPerceiverInputArray';
  private features: tf.Tensor2D | null = null;

  constructor(args: PerceiverInputArrayArgs) {
    super('PerceiverInputArray', inputArraySchema, args);
  }

  /** Patch rows and columns of `[batch, H, W, C]` images. */
  private grid(shape: readonly (number | null)[]): [number, number] {
    assertRank(this.where, 'images', { shape }, [4], '[batch, height, width, channels]');
    const [, height, width] = shape as [number | null, number, number];
    assertPatchFits(this.where, height, width, this.config.patchSize);
    return [height / this.config.patchSize, width / this.config.patchSize];
  }

  override build(inputShape: Shape | Shape[]): void {
    const [gh, gw] = this.grid(singleShape(this.where, inputShape));
    const { fourierBands, maxFrequency } = this.config;
    this.features?.dispose();
    this.features = tf.keep(fourierPositionFeatures(gh, gw, fourierBands, maxFrequency ?? Math.max(gh, gw)));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.where, inputShape);
    const [gh, gw] = this.grid(shape);
    const p = this.config.patchSize;
    return [shape[0] ?? null, gh * gw, p * p * (shape[3] as number) + 2 + 4 * this.config.fourierBands];
  }

  /** `[batch, H, W, C] -> [batch, (H/P)*(W/P), P*P*C + 2 + 4 * fourierBands]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const images = singleTensor(this.where, inputs);
    const [gh, gw] = this.grid(images.shape);
    const features = this.features as tf.Tensor2D;
    if (gh * gw !== features.shape[0]) {
      throw new Error(
        `${this.where}: the layer was built for ${features.shape[0]} positions (its Fourier features are fixed) but ` +
          `${images.shape[1]}x${images.shape[2]} images give ${gh * gw}; use images of the size it was built with.`,
      );
    }
    return tf.tidy(() => {
      const batch = images.shape[0] as number;
      const pos = tf.broadcastTo(tf.expandDims(features, 0), [batch, gh * gw, features.shape[1] as number]);
      return tf.concat([patchify(images, this.config.patchSize), pos], -1);
    });
  }

  protected override disposeResources(): void {
    super.disposeResources();
    this.features?.dispose();
    this.features = null;
  }
}
tf.serialization.registerClass(PerceiverInputArray);
