import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { Dense, layerArgsShape, LayerNorm, singleShape, z, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { VisionLayer } from './vision-layer';

const questionTokenSchema = z.strictObject({
  ...layerArgsShape,
  /** Token width D. */
  embedDim: z.number().int().positive(),
  /** Epsilon of both LayerNorms; default 1e-5. */
  epsilon: z.number().nonnegative().default(1e-5),
});

/** Options of {@link QuestionTokenEmbedding} (each documented on the schema). */
export type QuestionTokenEmbeddingArgs = LayerArgsOf<typeof questionTokenSchema>;

/**
 * Turns a question vector into one token (the Sort-of-CLEVR variant of the AiT reference code):
 * `questions [batch, q] -> LN(q) -> Linear(q, D) -> LN(D) -> [batch, 1, D]`. Sort-of-CLEVR encodes
 * each question as an 18-d vector. Children: `norm_in`, `proj`, `norm_out`. Serialised as
 * `AitQuestionTokenEmbedding`.
 */
export class QuestionTokenEmbedding extends VisionLayer<typeof questionTokenSchema> {
  /** tfjs serialisation name. */
  static className = 'AitQuestionTokenEmbedding';
  private readonly normIn: LayerNorm;
  private readonly proj: Dense;
  private readonly normOut: LayerNorm;

  constructor(args: QuestionTokenEmbeddingArgs) {
    super('QuestionTokenEmbedding', questionTokenSchema, args);
    const { epsilon, embedDim } = this.config;
    const trainable = this.trainable;
    this.normIn = this.track(new LayerNorm({ epsilon, name: 'norm_in', trainable }));
    this.proj = this.track(new Dense({ units: embedDim, name: 'proj', trainable }));
    this.normOut = this.track(new LayerNorm({ epsilon, name: 'norm_out', trainable }));
  }

  override build(inputShape: Shape | Shape[]): void {
    this.inputShapeOf(inputShape, 'questions', 2, '[batch, questionDim]');
    this.buildByCalling([null, this.dim]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.where, inputShape);
    return [shape[0] ?? null, 1, this.config.embedDim];
  }

  /** `[batch, questionDim] -> [batch, 1, embedDim]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const q = this.inputOf(inputs, 'questions', 2, '[batch, questionDim]');
    return tf.tidy(() => {
      const h = this.callChild(this.normIn, q, kwargs);
      const t = this.callChild(this.normOut, this.callChild(this.proj, h, kwargs), kwargs);
      return tf.expandDims(t, 1);
    });
  }
}
tf.serialization.registerClass(QuestionTokenEmbedding);
