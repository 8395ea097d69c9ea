import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';
import { assertLastDim, assertMinRank } from '../ops/assert-shape';
import { layerNorm } from '../ops/layer-norm';
import { AitLayer, type CallKwargs } from './ait-layer';
import { layerArgsShape } from './layer-args-schema';
import type { LayerArgsOf, LayerConfigOf } from './layer-config';
import { knownDim, singleShape, singleTensor } from './layer-inputs';

const layerNormSchema = z.strictObject({
  ...layerArgsShape,
  /** Added to the variance; default 1e-5 (PyTorch). AiT's memory uses 1e-6. */
  epsilon: z.number().nonnegative().default(1e-5),
  /** Whether to learn a shift `beta` (init zeros); default true. */
  center: z.boolean().default(true),
  /** Whether to learn a scale `gamma` (init ones); default true. */
  scale: z.boolean().default(true),
});

/** Options of {@link LayerNorm} (each documented on the schema). */
export type LayerNormArgs = LayerArgsOf<typeof layerNormSchema>;

/**
 * Layer normalisation over the last axis: `[..., dim] -> [..., dim]`, with learned
 * `gamma [dim]` and `beta [dim]`. Serialised as `AitLayerNorm`.
 */
export class LayerNorm extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitLayerNorm';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof layerNormSchema>;
  private gamma: LayerVariable | null = null;
  private beta: LayerVariable | null = null;
  private dim = -1;

  constructor(args: LayerNormArgs = {}) {
    super(args);
    this.config = this.configureLayer('LayerNorm', layerNormSchema, args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.layerLabel, inputShape);
    if (shape.length < 1) throw new Error(`${this.layerLabel}: input must have rank >= 1 [..., dim], got a scalar.`);
    this.dim = knownDim(this.layerLabel, 'the input', shape, -1);
    if (this.config.scale) this.gamma = this.addWeight('gamma', [this.dim], 'float32', initializers.ones());
    if (this.config.center) this.beta = this.addWeight('beta', [this.dim], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(this.layerLabel, inputShape);
  }

  /** `[..., dim] -> [..., dim]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.layerLabel, inputs);
    assertMinRank(this.layerLabel, 'the input', x, 1, '[..., dim]');
    assertLastDim(
      this.layerLabel,
      'the input',
      x,
      this.dim,
      `The layer was built for inputs [..., ${this.dim}]; use a new layer for another width.`,
    );
    return layerNorm(x, this.gamma?.read() ?? null, this.beta?.read() ?? null, this.config.epsilon);
  }
}
tf.serialization.registerClass(LayerNorm);
