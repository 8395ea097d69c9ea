import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';
import { ACTIVATION_NAMES, applyActivation } from '../ops/activation';
import { assertLastDim, assertMinRank } from '../ops/assert-shape';
import { linear } from '../ops/linear';
import { AitLayer, type CallKwargs } from './ait-layer';
import { createKernelInitializer, KERNEL_INITIALIZER_NAMES } from './kernel-initializer';
import { layerArgsShape } from './layer-args-schema';
import type { LayerArgsOf, LayerConfigOf } from './layer-config';
import { knownDim, singleShape, singleTensor } from './layer-inputs';

const denseSchema = z.strictObject({
  ...layerArgsShape,
  /** Output width. */
  units: z.number().int().positive(),
  /** Activation after the affine map; default `linear` (none). `gelu` is the exact erf form. */
  activation: z.enum(ACTIVATION_NAMES).default('linear'),
  /** Whether to add a learned bias (initialised to zeros); default true. */
  useBias: z.boolean().default(true),
  /** Kernel initialiser (seeded from the global stream); default `glorotUniform`. */
  kernelInitializer: z.enum(KERNEL_INITIALIZER_NAMES).default('glorotUniform'),
});

/** Options of {@link Dense} (each documented on the schema). */
export type DenseArgs = LayerArgsOf<typeof denseSchema>;

/**
 * Fully connected layer over the last axis: `[..., in] -> [..., units]`, `y = act(x W + b)`,
 * for inputs of any rank (computed as one 2-D matmul). Weights: `kernel [in, units]`,
 * `bias [units]`. Serialised as `AitDense`.
 */
export class Dense extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitDense';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof denseSchema>;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;
  private inputDim = -1;

  constructor(args: DenseArgs) {
    super(args);
    this.config = this.configureLayer('Dense', denseSchema, args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.layerLabel, inputShape);
    if (shape.length < 1) throw new Error(`${this.layerLabel}: input must have rank >= 1 [..., in], got a scalar.`);
    this.inputDim = knownDim(this.layerLabel, 'the input', shape, -1);
    this.kernel = this.addWeight(
      'kernel',
      [this.inputDim, this.config.units],
      'float32',
      createKernelInitializer(this.config.kernelInitializer),
    );
    if (this.config.useBias) {
      this.bias = this.addWeight('bias', [this.config.units], 'float32', createKernelInitializer('zeros'));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.layerLabel, inputShape);
    return [...shape.slice(0, -1), this.config.units];
  }

  /** `[..., in] -> [..., units]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.layerLabel, inputs);
    assertMinRank(this.layerLabel, 'the input', x, 1, '[..., in]');
    assertLastDim(
      this.layerLabel,
      'the input',
      x,
      this.inputDim,
      `The layer was built for inputs [..., ${this.inputDim}]; use a new layer for another width.`,
    );
    const kernel = (this.kernel as LayerVariable).read();
    const bias = this.bias ? this.bias.read() : null;
    return tf.tidy(() => applyActivation(linear(x, kernel, bias), this.config.activation));
  }
}
tf.serialization.registerClass(Dense);
