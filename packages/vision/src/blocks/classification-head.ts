import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { Dense, formatShape, layerArgsShape, LayerNorm, singleShape, z, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { VisionLayer } from './vision-layer';

/** How {@link ClassificationHead} reduces the tokens to one vector per example. */
export const HEAD_KINDS = ['flatten', 'mean', 'cls'] as const;

/** One of {@link HEAD_KINDS}. */
export type HeadKind = (typeof HEAD_KINDS)[number];

const classificationHeadSchema = z.strictObject({
  ...layerArgsShape,
  /**
   * `flatten`: all tokens concatenated, `LN(N*D) -> Linear(N*D, classes)` (the AiT reference code;
   * fixes the number of tokens N); `mean`: mean over tokens, `LN(D) -> Linear`; `cls`: the first
   * token, `LN(D) -> Linear` (ViT).
   */
  kind: z.enum(HEAD_KINDS),
  /** Number of classes. */
  numClasses: z.number().int().positive(),
  /** LayerNorm epsilon; default 1e-5. */
  epsilon: z.number().nonnegative().default(1e-5),
});

/** Options of {@link ClassificationHead} (each documented on the schema). */
export type ClassificationHeadArgs = LayerArgsOf<typeof classificationHeadSchema>;

/**
 * Classification head: tokens `[batch, tokens, dim]` -> logits `[batch, numClasses]`, by
 * flattening, mean pooling or taking the CLS token, then LayerNorm and a linear map.
 * Children: `norm`, `proj`. Serialised as `AitClassificationHead`.
 */
export class ClassificationHead extends VisionLayer<typeof classificationHeadSchema> {
  /** tfjs serialisation name. */
  static className = 'AitClassificationHead';
  private readonly norm: LayerNorm;
  private readonly proj: Dense;
  private tokens = -1;

  constructor(args: ClassificationHeadArgs) {
    super('ClassificationHead', classificationHeadSchema, args);
    const trainable = this.trainable;
    this.norm = this.track(new LayerNorm({ epsilon: this.config.epsilon, name: 'norm', trainable }));
    this.proj = this.track(new Dense({ units: this.config.numClasses, name: 'proj', trainable }));
  }

  /** Tokens the flatten head was built for (`-1` for the other kinds or before build). */
  get fixedTokens(): number {
    return this.tokens;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = this.inputShapeOf(inputShape, 'tokens');
    if (this.config.kind === 'flatten') {
      const n = shape[1];
      if (n == null) {
        throw new Error(
          `${this.where}: the flatten head needs a fixed number of tokens (it learns one weight per token and ` +
            `feature), but the input shape is ${formatShape(shape)}. Give the model a fixed image size, or use ` +
            `kind 'mean' or 'cls'.`,
        );
      }
      this.tokens = n;
    }
    this.buildByCalling([null, this.config.kind === 'flatten' ? this.tokens : null, this.dim]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.where, inputShape);
    return [shape[0] ?? null, this.config.numClasses];
  }

  /** `[batch, tokens, dim] -> [batch, numClasses]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = this.inputOf(inputs, 'tokens');
    const [batch, n] = x.shape as [number, number, number];
    if (this.config.kind === 'flatten' && n !== this.tokens) {
      throw new Error(
        `${this.where}: the flatten head was built for ${this.tokens} tokens (${this.tokens} x ${this.dim} = ` +
          `${this.tokens * this.dim} features) but got ${n} (input ${formatShape(x.shape)}). Feed images of the size ` +
          `the model was built for, or use kind 'mean' or 'cls'.`,
      );
    }
    return tf.tidy(() => {
      let pooled: tf.Tensor;
      if (this.config.kind === 'flatten') pooled = tf.reshape(x, [batch, n * this.dim]);
      else if (this.config.kind === 'mean') pooled = tf.mean(x, 1);
      else pooled = tf.reshape(tf.slice(x, [0, 0, 0], [batch, 1, this.dim]), [batch, this.dim]);
      return this.callChild(this.proj, this.callChild(this.norm, pooled, kwargs), kwargs);
    });
  }
}
tf.serialization.registerClass(ClassificationHead);
