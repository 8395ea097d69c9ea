import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';
import { applyActivation } from '../ops/activation';
import { assertLastDim, assertMinRank } from '../ops/assert-shape';
import { dropout } from '../ops/dropout';
import { AitLayer, type CallKwargs } from './ait-layer';
import { Dense } from './dense';
import { KERNEL_INITIALIZER_NAMES } from './kernel-initializer';
import { layerArgsShape, rateSchema } from './layer-args-schema';
import type { LayerArgsOf, LayerConfigOf } from './layer-config';
import { knownDim, singleShape, singleTensor, widthOnlyShape } from './layer-inputs';

/** Hidden activations {@link FeedForward} accepts (`gelu` is the exact erf form). */
export const FEED_FORWARD_ACTIVATIONS = ['gelu', 'geluTanh', 'relu'] as const;

/** One of {@link FEED_FORWARD_ACTIVATIONS}. */
export type FeedForwardActivation = (typeof FEED_FORWARD_ACTIVATIONS)[number];

const feedForwardSchema = z.strictObject({
  ...layerArgsShape,
  /** Hidden width (AiT / ViT: 4 x dim). */
  hiddenDim: z.number().int().positive(),
  /** Output width; default the input width. */
  outputDim: z.number().int().positive().nullish(),
  /** Hidden activation; default `gelu` (exact erf form, as PyTorch's `nn.GELU`). */
  activation: z.enum(FEED_FORWARD_ACTIVATIONS).default('gelu'),
  /** Dropout rate after the activation and after the output projection; default 0. */
  dropout: rateSchema.default(0),
  /** Whether both linear maps have biases; default true. */
  useBias: z.boolean().default(true),
  /** Kernel initialiser of both linear maps; default `glorotUniform`. */
  kernelInitializer: z.enum(KERNEL_INITIALIZER_NAMES).default('glorotUniform'),
});

/** Options of {@link FeedForward} (each documented on the schema). */
export type FeedForwardArgs = LayerArgsOf<typeof feedForwardSchema>;

/**
 * Transformer MLP `[..., dim] -> [..., outputDim]`:
 * `Dense(dim -> hidden) -> GELU -> dropout -> Dense(hidden -> outputDim) -> dropout`.
 * Children: `fc1`, `fc2` (weights `<name>/fc1/kernel`, ...). Serialised as `AitFeedForward`.
 */
export class FeedForward extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitFeedForward';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof feedForwardSchema>;
  private fc1: Dense | null = null;
  private fc2: Dense | null = null;
  private inputDim = -1;

  constructor(args: FeedForwardArgs) {
    super(args);
    this.config = this.configureLayer('FeedForward', feedForwardSchema, args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.layerLabel, inputShape);
    if (shape.length < 1) throw new Error(`${this.layerLabel}: input must have rank >= 1 [..., dim], got a scalar.`);
    this.inputDim = knownDim(this.layerLabel, 'the input', shape, -1);
    const { useBias, kernelInitializer, hiddenDim, outputDim } = this.config;
    const common = { useBias, kernelInitializer, trainable: this.trainable };
    this.fc1 = this.track(new Dense({ ...common, units: hiddenDim, name: 'fc1' }));
    this.fc2 = this.track(new Dense({ ...common, units: outputDim ?? this.inputDim, name: 'fc2' }));
    this.buildByCalling(widthOnlyShape(shape, this.inputDim));
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.layerLabel, inputShape);
    return [...shape.slice(0, -1), this.config.outputDim ?? shape[shape.length - 1] ?? null];
  }

  /** `[..., dim] -> [..., outputDim]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.layerLabel, inputs);
    assertMinRank(this.layerLabel, 'the input', x, 1, '[..., dim]');
    assertLastDim(
      this.layerLabel,
      'the input',
      x,
      this.inputDim,
      `The layer was built for inputs [..., ${this.inputDim}]; use a new layer for another width.`,
    );
    const training = this.isTraining(kwargs);
    return tf.tidy(() => {
      const h = applyActivation(this.callChild(this.fc1 as Dense, x, kwargs), this.config.activation);
      const y = this.callChild(this.fc2 as Dense, dropout(h, this.config.dropout, training), kwargs);
      return dropout(y, this.config.dropout, training);
    });
  }
}
tf.serialization.registerClass(FeedForward);
