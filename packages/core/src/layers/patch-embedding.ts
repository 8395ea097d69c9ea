import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';
import { patchify } from '../ops/patchify';
import { AitLayer, type CallKwargs } from './ait-layer';
import { Dense } from './dense';
import { KERNEL_INITIALIZER_NAMES } from './kernel-initializer';
import { LayerNorm } from './layer-norm';
import { layerArgsShape } from './layer-args-schema';
import type { LayerArgsOf, LayerConfigOf } from './layer-config';
import { imageBatch, imageShape } from './image-layer-input';
import { knownDim } from './layer-inputs';

const patchEmbeddingSchema = z.strictObject({
  ...layerArgsShape,
  /** Side P of the square patches; image height and width must be multiples of it. */
  patchSize: z.number().int().positive(),
  /** Token width D. */
  embedDim: z.number().int().positive(),
  /** LayerNorm over each flattened patch (P*P*C) before the projection; default true. */
  preNorm: z.boolean().default(true),
  /** LayerNorm over each token (D) after the projection; default true. */
  postNorm: z.boolean().default(true),
  /** Epsilon of both LayerNorms; default 1e-5. */
  epsilon: z.number().nonnegative().default(1e-5),
  /** Whether the projection has a bias; default true. */
  useBias: z.boolean().default(true),
  /** Kernel initialiser of the projection; default `glorotUniform`. */
  kernelInitializer: z.enum(KERNEL_INITIALIZER_NAMES).default('glorotUniform'),
});

/** Options of {@link PatchEmbedding} (each documented on the schema). */
export type PatchEmbeddingArgs = LayerArgsOf<typeof patchEmbeddingSchema>;

/**
 * Image to token embedding (AiT / ViT "patch + MLP" stem):
 * `images [batch, H, W, C] -> patchify -> LayerNorm(P*P*C) -> Dense(P*P*C -> D) -> LayerNorm(D)`
 * giving `[batch, (H/P) * (W/P), D]`, tokens in row-major patch order and features flattened
 * channel-innermost (see {@link patchify}). Either LayerNorm can be switched off. Children:
 * `norm_in`, `proj`, `norm_out`. Serialised as `AitPatchEmbedding`.
 */
export class PatchEmbedding extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitPatchEmbedding';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof patchEmbeddingSchema>;
  private readonly normIn: LayerNorm | null;
  private readonly proj: Dense;
  private readonly normOut: LayerNorm | null;
  private channels = -1;

  constructor(args: PatchEmbeddingArgs) {
    super(args);
    const config = this.configureLayer('PatchEmbedding', patchEmbeddingSchema, args);
    this.config = config;
    const trainable = this.trainable;
    this.normIn = config.preNorm ? this.track(new LayerNorm({ epsilon: config.epsilon, name: 'norm_in', trainable })) : null;
    this.proj = this.track(
      new Dense({
        units: config.embedDim,
        useBias: config.useBias,
        kernelInitializer: config.kernelInitializer,
        name: 'proj',
        trainable,
      }),
    );
    this.normOut = config.postNorm ? this.track(new LayerNorm({ epsilon: config.epsilon, name: 'norm_out', trainable })) : null;
  }

  private checkDivisible(height: number | null, width: number | null): void {
    const p = this.config.patchSize;
    if ((height !== null && height % p !== 0) || (width !== null && width % p !== 0)) {
      throw new Error(
        `${this.layerLabel}: image size ${height}x${width} is not divisible by the patch size ${p}. Resize or pad ` +
          `the images to a multiple of ${p}, or choose a patch size that divides both.`,
      );
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = imageShape(this.layerLabel, inputShape);
    this.channels = knownDim(this.layerLabel, 'images', shape, 3);
    this.checkDivisible(shape[1] ?? null, shape[2] ?? null);
    const p = this.config.patchSize;
    this.buildByCalling([null, p, p, this.channels]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = imageShape(this.layerLabel, inputShape);
    const [batch, height, width] = shape as [number | null, number | null, number | null];
    this.checkDivisible(height, width);
    const tokens = height !== null && width !== null ? (height / this.config.patchSize) * (width / this.config.patchSize) : null;
    return [batch, tokens, this.config.embedDim];
  }

  /** `[batch, H, W, C] -> [batch, (H/P)*(W/P), D]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const images = imageBatch(this.layerLabel, inputs, this.channels);
    this.checkDivisible(images.shape[1] as number, images.shape[2] as number);
    return tf.tidy(() => {
      let x: tf.Tensor = patchify(images, this.config.patchSize);
      if (this.normIn) x = this.callChild(this.normIn, x, kwargs);
      x = this.callChild(this.proj, x, kwargs);
      if (this.normOut) x = this.callChild(this.normOut, x, kwargs);
      return x;
    });
  }
}
tf.serialization.registerClass(PatchEmbedding);
