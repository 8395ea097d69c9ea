import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { validateConfig, z } from '../config/validate-config';
import { assertLastDim, assertMinRank } from '../ops/assert-shape';
import { layerNorm } from '../ops/layer-norm';
import { AitLayer, type AitLayerArgs, type CallKwargs } from './ait-layer';
import { layerArgsShape, layerLabel } from './layer-args-schema';
import { knownDim, singleShape, singleTensor } from './layer-inputs';

const layerNormSchema = z.strictObject({
  ...layerArgsShape,
  epsilon: z.number().nonnegative().default(1e-5),
  center: z.boolean().default(true),
  scale: z.boolean().default(true),
});

/** Options of {@link LayerNorm}. */
export interface LayerNormArgs extends AitLayerArgs {
  /** Added to the variance; default 1e-5 (PyTorch). AiT's memory uses 1e-6. */
  epsilon?: number;
  /** Whether to learn a shift `beta` (init zeros); default true. */
  center?: boolean;
  /** Whether to learn a scale `gamma` (init ones); default true. */
  scale?: boolean;
}

/**
 * Layer normalisation over the last axis: `[..., dim] -> [..., dim]`, with learned
 * `gamma [dim]` and `beta [dim]`. Serialised as `AitLayerNorm`.
 */
export class LayerNorm extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitLayerNorm';
  /** Added to the variance. */
  readonly epsilon: number;
  /** Whether `beta` is learned. */
  readonly center: boolean;
  /** Whether `gamma` is learned. */
  readonly scale: boolean;
  private gamma: LayerVariable | null = null;
  private beta: LayerVariable | null = null;
  private dim = -1;

  constructor(args: LayerNormArgs = {}) {
    const cfg = validateConfig(layerLabel('LayerNorm', args), layerNormSchema, args);
    super(args);
    this.epsilon = cfg.epsilon;
    this.center = cfg.center;
    this.scale = cfg.scale;
  }

  private get where(): string {
    return `LayerNorm '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    if (shape.length < 1) throw new Error(`${this.where}: input must have rank >= 1 [..., dim], got a scalar.`);
    this.dim = knownDim(this.where, 'the input', shape, -1);
    if (this.scale) this.gamma = this.addWeight('gamma', [this.dim], 'float32', initializers.ones());
    if (this.center) this.beta = this.addWeight('beta', [this.dim], 'float32', initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(this.where, inputShape);
  }

  /** `[..., dim] -> [..., dim]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.where, inputs);
    assertMinRank(this.where, 'the input', x, 1, '[..., dim]');
    assertLastDim(
      this.where,
      'the input',
      x,
      this.dim,
      `The layer was built for inputs [..., ${this.dim}]; use a new layer for another width.`,
    );
    return layerNorm(x, this.gamma?.read() ?? null, this.beta?.read() ?? null, this.epsilon);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}
tf.serialization.registerClass(LayerNorm);
