import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { createKernelInitializer, layerArgsShape, singleShape, z, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { VisionLayer } from './vision-layer';

const classTokenSchema = z.strictObject({
  ...layerArgsShape,
  /** Standard deviation of the truncated-normal initialisation; default 0.02. */
  stddev: z.number().positive().default(0.02),
});

/** Options of {@link ClassToken} (each documented on the schema). */
export type ClassTokenArgs = LayerArgsOf<typeof classTokenSchema>;

/**
 * Prepends a learned CLS token (ViT): `[batch, tokens, dim] -> [batch, tokens + 1, dim]`, with the
 * weight `token [dim]` (truncated normal, stddev 0.02) in front of every example's tokens.
 * Serialised as `AitClassToken`.
 */
export class ClassToken extends VisionLayer<typeof classTokenSchema> {
  /** tfjs serialisation name. */
  static className = 'AitClassToken';
  private token: LayerVariable | null = null;

  constructor(args: ClassTokenArgs = {}) {
    super('ClassToken', classTokenSchema, args);
  }

  override build(inputShape: Shape | Shape[]): void {
    this.inputShapeOf(inputShape, 'tokens');
    this.token = this.addWeight('token', [this.dim], 'float32', createKernelInitializer('truncatedNormal', this.config.stddev));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.where, inputShape);
    const n = shape[1];
    return [shape[0] ?? null, n == null ? null : n + 1, shape[2] ?? null];
  }

  /** `[batch, tokens, dim] -> [batch, tokens + 1, dim]`, the CLS token first. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const x = this.inputOf(inputs, 'tokens');
    const token = (this.token as LayerVariable).read();
    return tf.tidy(() => {
      const batch = x.shape[0] as number;
      const cls = tf.broadcastTo(tf.reshape(token, [1, 1, this.dim]), [batch, 1, this.dim]);
      return tf.concat([cls, x], 1);
    });
  }
}
tf.serialization.registerClass(ClassToken);
