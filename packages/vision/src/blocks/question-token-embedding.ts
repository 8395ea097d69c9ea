import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertLastDim,
  assertRank,
  Dense,
  knownDim,
  layerArgsShape,
  layerLabel,
  LayerNorm,
  singleShape,
  singleTensor,
  validateConfig,
  z,
  type AitLayerArgs,
  type CallKwargs,
} from '@ait/core';

const questionTokenSchema = z.strictObject({
  ...layerArgsShape,
  embedDim: z.number().int().positive(),
  epsilon: z.number().nonnegative().default(1e-5),
});

/** Options of {@link QuestionTokenEmbedding}. */
export interface QuestionTokenEmbeddingArgs extends AitLayerArgs {
  /** Token width D. */
  embedDim: number;
  /** Epsilon of both LayerNorms; default 1e-5. */
  epsilon?: number;
}

/**
 * Turns a question vector into one token (the Sort-of-CLEVR variant of the AiT reference code):
 * `questions [batch, q] -> LN(q) -> Linear(q, D) -> LN(D) -> [batch, 1, D]`. Sort-of-CLEVR encodes
 * each question as an 18-d vector. Children: `norm_in`, `proj`, `norm_out`. Serialised as
 * `AitQuestionTokenEmbedding`.
 */
export class QuestionTokenEmbedding extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitQuestionTokenEmbedding';
  /** Token width. */
  readonly embedDim: number;
  /** LayerNorm epsilon. */
  readonly epsilon: number;
  private readonly normIn: LayerNorm;
  private readonly proj: Dense;
  private readonly normOut: LayerNorm;
  private questionDim = -1;

  constructor(args: QuestionTokenEmbeddingArgs) {
    const cfg = validateConfig(layerLabel('QuestionTokenEmbedding', args), questionTokenSchema, args);
    super(args);
    this.embedDim = cfg.embedDim;
    this.epsilon = cfg.epsilon;
    const trainable = this.trainable;
    this.normIn = this.track(new LayerNorm({ epsilon: this.epsilon, name: 'norm_in', trainable }));
    this.proj = this.track(new Dense({ units: this.embedDim, name: 'proj', trainable }));
    this.normOut = this.track(new LayerNorm({ epsilon: this.epsilon, name: 'norm_out', trainable }));
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
    this.buildChild(this.normOut, [null, this.embedDim]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.where, inputShape);
    return [shape[0] ?? null, 1, this.embedDim];
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

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), embedDim: this.embedDim, epsilon: this.epsilon };
  }
}
tf.serialization.registerClass(QuestionTokenEmbedding);
