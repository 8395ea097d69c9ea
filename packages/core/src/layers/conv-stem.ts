import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';
import { AitLayer, type CallKwargs } from './ait-layer';
import { createKernelInitializer, KERNEL_INITIALIZER_NAMES } from './kernel-initializer';
import { layerArgsShape } from './layer-args-schema';
import type { LayerArgsOf, LayerConfigOf } from './layer-config';
import { imageBatch, imageShape } from './image-layer-input';
import { knownDim } from './layer-inputs';

const convStemSchema = z.strictObject({
  ...layerArgsShape,
  /** Output channels of each stage, e.g. `[8, 16]` for two stages. */
  channels: z.array(z.number().int().positive()).min(1, 'needs at least one stage').readonly(),
  /** Side of the square convolution kernels; default 3. */
  kernelSize: z.number().int().positive().default(3),
  /** Side and stride of the max pooling after each convolution; default 2 (1 switches pooling off). */
  poolSize: z.number().int().positive().default(2),
  /** Initialiser of the convolution kernels (biases start at zero); default `glorotUniform`. */
  kernelInitializer: z.enum(KERNEL_INITIALIZER_NAMES).default('glorotUniform'),
});

/** Options of {@link ConvStem} (each documented on the schema). */
export type ConvStemArgs = LayerArgsOf<typeof convStemSchema>;

/**
 * Side of a {@link ConvStem}'s output for an input side `size`: each stage keeps the size
 * (`same` padding) and its pooling divides it by `poolSize`, rounding down.
 */
export function convStemOutputSize(size: number, stages: number, poolSize = 2): number {
  let s = size;
  for (let i = 0; i < stages; i++) s = Math.floor(s / poolSize);
  return s;
}

/**
 * Convolutional tokenizer stem (as in CCT, Hassani et al. 2021): `stages` times
 * `conv2d(k x k, stride 1, same padding) + bias -> ReLU -> max pool (poolSize, stride poolSize)`,
 * `images [batch, H, W, C] -> features [batch, H', W', channels.at(-1)]` with
 * `H' = floor(H / poolSize^stages)`. Put a {@link PatchEmbedding} after it to make tokens; the
 * convolutions give the tokens local, translation-equivariant features, which small transformers
 * otherwise need much more data to learn. Weights per stage `i`: `kernel_i [k, k, in, out]`,
 * `bias_i [out]`. Serialised as `AitConvStem`.
 */
export class ConvStem extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitConvStem';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof convStemSchema>;
  private kernels: LayerVariable[] = [];
  private biases: LayerVariable[] = [];
  private inChannels = -1;

  constructor(args: ConvStemArgs) {
    super(args);
    this.config = this.configureLayer('ConvStem', convStemSchema, args);
  }

  private checkSize(height: number | null, width: number | null): void {
    const reduction = this.config.poolSize ** this.config.channels.length;
    if ((height !== null && height < reduction) || (width !== null && width < reduction)) {
      throw new Error(
        `${this.layerLabel}: images of ${height}x${width} are smaller than the stem's reduction ${reduction} ` +
          `(${this.config.channels.length} stages pooling by ${this.config.poolSize}); use fewer stages or larger images.`,
      );
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = imageShape(this.layerLabel, inputShape);
    this.inChannels = knownDim(this.layerLabel, 'images', shape, 3);
    this.checkSize(shape[1] ?? null, shape[2] ?? null);
    let cin = this.inChannels;
    const k = this.config.kernelSize;
    this.kernels = [];
    this.biases = [];
    this.config.channels.forEach((cout, i) => {
      this.kernels.push(
        this.addWeight(`kernel_${i}`, [k, k, cin, cout], 'float32', createKernelInitializer(this.config.kernelInitializer)),
      );
      this.biases.push(this.addWeight(`bias_${i}`, [cout], 'float32', createKernelInitializer('zeros')));
      cin = cout;
    });
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = imageShape(this.layerLabel, inputShape);
    const [batch, height, width] = shape as [number | null, number | null, number | null];
    this.checkSize(height, width);
    const n = this.config.channels.length;
    const side = (s: number | null): number | null => (s === null ? null : convStemOutputSize(s, n, this.config.poolSize));
    return [batch, side(height), side(width), this.config.channels[n - 1] as number];
  }

  /** `[batch, H, W, C] -> [batch, H', W', channels.at(-1)]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const images = imageBatch(this.layerLabel, inputs, this.inChannels);
    this.checkSize(images.shape[1] as number, images.shape[2] as number);
    return tf.tidy(() => {
      let x = images;
      for (let i = 0; i < this.kernels.length; i++) {
        const filter = (this.kernels[i] as LayerVariable).read() as tf.Tensor4D;
        const bias = (this.biases[i] as LayerVariable).read();
        x = tf.relu(tf.add(tf.conv2d(x, filter, 1, 'same'), bias)) as tf.Tensor4D;
        if (this.config.poolSize > 1) x = tf.maxPool(x, this.config.poolSize, this.config.poolSize, 'valid');
      }
      return x;
    });
  }
}
tf.serialization.registerClass(ConvStem);
