import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertLastDim,
  assertRank,
  createKernelInitializer,
  knownDim,
  layerArgsShape,
  layerLabel,
  singleShape,
  singleTensor,
  validateConfig,
  z,
  type AitLayerArgs,
  type CallKwargs,
} from '@ait/core';

const classTokenSchema = z.strictObject({
  ...layerArgsShape,
  stddev: z.number().positive().default(0.02),
});

/** Options of {@link ClassToken}. */
export interface ClassTokenArgs extends AitLayerArgs {
  /** Standard deviation of the truncated-normal initialisation; default 0.02. */
  stddev?: number;
}

/**
 * Prepends a learned CLS token (ViT): `[batch, tokens, dim] -> [batch, tokens + 1, dim]`, with the
 * weight `token [dim]` (truncated normal, stddev 0.02) in front of every example's tokens.
 * Serialised as `AitClassToken`.
 */
export class ClassToken extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitClassToken';
  /** Initialisation stddev. */
  readonly stddev: number;
  private token: LayerVariable | null = null;
  private dim = -1;

  constructor(args: ClassTokenArgs = {}) {
    const cfg = validateConfig(layerLabel('ClassToken', args), classTokenSchema, args);
    super(args);
    this.stddev = cfg.stddev;
  }

  private get where(): string {
    return `ClassToken '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    assertRank(this.where, 'tokens', { shape }, [3], '[batch, tokens, dim]');
    this.dim = knownDim(this.where, 'tokens', shape, -1);
    this.token = this.addWeight('token', [this.dim], 'float32', createKernelInitializer('truncatedNormal', this.stddev));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.where, inputShape);
    const n = shape[1];
    return [shape[0] ?? null, n == null ? null : n + 1, shape[2] ?? null];
  }

  /** `[batch, tokens, dim] -> [batch, tokens + 1, dim]`, the CLS token first. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.where, inputs);
    assertRank(this.where, 'tokens', x, [3], '[batch, tokens, dim]');
    assertLastDim(this.where, 'tokens', x, this.dim, `The layer was built for tokens of width ${this.dim}.`);
    const token = (this.token as LayerVariable).read();
    return tf.tidy(() => {
      const batch = x.shape[0] as number;
      const cls = tf.broadcastTo(tf.reshape(token, [1, 1, this.dim]), [batch, 1, this.dim]);
      return tf.concat([cls, x], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), stddev: this.stddev };
  }
}
tf.serialization.registerClass(ClassToken);
