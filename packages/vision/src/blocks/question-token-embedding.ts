import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertLastDim,
  assertRank,
  Dense,
  knownDim,
  layerArgsShape,
  LayerNorm,
  parseLayerConfig,
  singleShape,
  singleTensor,
  z,
  type CallKwargs,
  type LayerArgsOf,
  type LayerConfigOf,
} from '@ait/core';

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
export class QuestionTokenEmbedding extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitQuestionTokenEmbedding';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof questionTokenSchema>;
  private readonly normIn: LayerNorm;
  private readonly proj: Dense;
  private readonly normOut: LayerNorm;
  private questionDim = -1;

  constructor(args: QuestionTokenEmbeddingArgs) {
    const config = parseLayerConfig('QuestionTokenEmbedding', questionTokenSchema, args);
    super(args);
    this.config = this.useConfig(config);
    const trainable = this.trainable;
    this.normIn = this.track(new LayerNorm({ epsilon: config.epsilon, name: 'norm_in', trainable }));
    this.proj = this.track(new Dense({ units: config.embedDim, name: 'proj', trainable }));
    this.normOut = this.track(new LayerNorm({ epsilon: config.epsilon, name: 'norm_out', trainable }));
  }

  private get where(): string {
    return `QuestionTokenEmbedding '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    assertRank(this.where, 'questions', { shape }, [2], '[batch, questionDim]');
    this.questionDim = knownDim(this.where, 'questions', shape, -1);
    this.buildChild(this.normIn, [null, this.questionDim]);
    this.buildChild(this.proj, [null, this.questionDim]);
    this.buildChild(this.normOut, [null, this.config.embedDim]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.where, inputShape);
    return [shape[0] ?? null, 1, this.config.embedDim];
  }

  /** `[batch, questionDim] -> [batch, 1, embedDim]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const q = singleTensor(this.where, inputs);
    assertRank(this.where, 'questions', q, [2], '[batch, questionDim]');
    assertLastDim(this.where, 'questions', q, this.questionDim, `The layer was built for ${this.questionDim}-d questions.`);
    return tf.tidy(() => {
      const h = this.callChild(this.normIn, q, kwargs);
      const t = this.callChild(this.normOut, this.callChild(this.proj, h, kwargs), kwargs);
      return tf.expandDims(t, 1);
    });
  }
}
tf.serialization.registerClass(QuestionTokenEmbedding);
