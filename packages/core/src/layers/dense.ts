import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { validateConfig, z } from '../config/validate-config';
import { ACTIVATION_NAMES, applyActivation, type ActivationName } from '../ops/activation';
import { assertLastDim, assertMinRank } from '../ops/assert-shape';
import { linear } from '../ops/linear';
import { AitLayer, type AitLayerArgs, type CallKwargs } from './ait-layer';
import { createKernelInitializer, KERNEL_INITIALIZER_NAMES, type KernelInitializerName } from './kernel-initializer';
import { layerArgsShape, layerLabel } from './layer-args-schema';
import { knownDim, singleShape, singleTensor } from './layer-inputs';

const denseSchema = z.strictObject({
  ...layerArgsShape,
  units: z.number().int().positive(),
  activation: z.enum(ACTIVATION_NAMES).default('linear'),
  useBias: z.boolean().default(true),
  kernelInitializer: z.enum(KERNEL_INITIALIZER_NAMES).default('glorotUniform'),
});

/** Options of {@link Dense}. */
export interface DenseArgs extends AitLayerArgs {
  /** Output width. */
  units: number;
  /** Activation after the affine map; default `linear` (none). `gelu` is the exact erf form. */
  activation?: ActivationName;
  /** Whether to add a learned bias (initialised to zeros); default true. */
  useBias?: boolean;
  /** Kernel initialiser (seeded from the global stream); default `glorotUniform`. */
  kernelInitializer?: KernelInitializerName;
}

/**
 * Fully connected layer over the last axis: `[..., in] -> [..., units]`, `y = act(x W + b)`,
 * for inputs of any rank (computed as one 2-D matmul). Weights: `kernel [in, units]`,
 * `bias [units]`. Serialised as `AitDense`.
 */
export class Dense extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitDense';
  /** Output width. */
  readonly units: number;
  /** Activation after the affine map. */
  readonly activation: ActivationName;
  /** Whether a bias is added. */
  readonly useBias: boolean;
  /** Kernel initialiser name. */
  readonly kernelInitializer: KernelInitializerName;
  private kernel: LayerVariable | null = null;
  private bias: LayerVariable | null = null;
  private inputDim = -1;

  constructor(args: DenseArgs) {
    const cfg = validateConfig(layerLabel('Dense', args), denseSchema, args);
    super(args);
    this.units = cfg.units;
    this.activation = cfg.activation;
    this.useBias = cfg.useBias;
    this.kernelInitializer = cfg.kernelInitializer;
  }

  private get where(): string {
    return `Dense '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    if (shape.length < 1) throw new Error(`${this.where}: input must have rank >= 1 [..., in], got a scalar.`);
    this.inputDim = knownDim(this.where, 'the input', shape, -1);
    this.kernel = this.addWeight(
      'kernel',
      [this.inputDim, this.units],
      'float32',
      createKernelInitializer(this.kernelInitializer),
    );
    if (this.useBias) {
      this.bias = this.addWeight('bias', [this.units], 'float32', createKernelInitializer('zeros'));
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.where, inputShape);
    return [...shape.slice(0, -1), this.units];
  }

  /** `[..., in] -> [..., units]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.where, inputs);
    assertMinRank(this.where, 'the input', x, 1, '[..., in]');
    assertLastDim(
      this.where,
      'the input',
      x,
      this.inputDim,
      `The layer was built for inputs [..., ${this.inputDim}]; use a new layer for another width.`,
    );
    const kernel = (this.kernel as LayerVariable).read();
    const bias = this.bias ? this.bias.read() : null;
    return tf.tidy(() => applyActivation(linear(x, kernel, bias), this.activation));
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      activation: this.activation,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
    };
  }
}
tf.serialization.registerClass(Dense);
