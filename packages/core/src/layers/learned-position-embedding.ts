import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';
import { addPositionEmbedding } from '../ops/add-position-embedding';
import { assertLastDim, assertMinRank, formatShape } from '../ops/assert-shape';
import { AitLayer, type CallKwargs } from './ait-layer';
import { createKernelInitializer } from './kernel-initializer';
import { layerArgsShape } from './layer-args-schema';
import type { LayerArgsOf, LayerConfigOf } from './layer-config';
import { knownDim, singleShape, singleTensor } from './layer-inputs';

const learnedPositionEmbeddingSchema = z.strictObject({
  ...layerArgsShape,
  /** Rows of the table: the most tokens an input may have. */
  maxTokens: z.number().int().positive(),
  /** Standard deviation of the truncated-normal initialisation; default 0.02. */
  stddev: z.number().positive().default(0.02),
});

/** Options of {@link LearnedPositionEmbedding} (each documented on the schema). */
export type LearnedPositionEmbeddingArgs = LayerArgsOf<typeof learnedPositionEmbeddingSchema>;

/**
 * Adds a learned position table: `x [batch, tokens, dim] + embeddings[0:tokens]`, with the weight
 * `embeddings [maxTokens, dim]` (truncated normal, stddev 0.02). Inputs with fewer tokens use the
 * first rows; more tokens than `maxTokens` is an error. Serialised as `AitLearnedPositionEmbedding`.
 */
export class LearnedPositionEmbedding extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitLearnedPositionEmbedding';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof learnedPositionEmbeddingSchema>;
  private embeddings: LayerVariable | null = null;
  private dim = -1;

  constructor(args: LearnedPositionEmbeddingArgs) {
    super(args);
    this.config = this.configureLayer('LearnedPositionEmbedding', learnedPositionEmbeddingSchema, args);
  }

  private checkTokens(tokens: number | null | undefined, shape: readonly (number | null)[]): void {
    if (tokens != null && tokens > this.config.maxTokens) {
      throw new Error(
        `${this.layerLabel}: the input ${formatShape(shape)} has ${tokens} tokens but the table holds only ` +
          `${this.config.maxTokens}; create the layer with maxTokens >= ${tokens}.`,
      );
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.layerLabel, inputShape);
    assertMinRank(this.layerLabel, 'the input', { shape }, 2, '[batch, tokens, dim]');
    this.dim = knownDim(this.layerLabel, 'the input', shape, -1);
    this.checkTokens(shape[shape.length - 2], shape);
    this.embeddings = this.addWeight(
      'embeddings',
      [this.config.maxTokens, this.dim],
      'float32',
      createKernelInitializer('truncatedNormal', this.config.stddev),
    );
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.layerLabel, inputShape);
    this.checkTokens(shape[shape.length - 2], shape);
    return shape;
  }

  /** `[batch, tokens, dim] -> [batch, tokens, dim]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.layerLabel, inputs);
    assertMinRank(this.layerLabel, 'the input', x, 2, '[batch, tokens, dim]');
    assertLastDim(this.layerLabel, 'the input', x, this.dim, `The layer was built for width ${this.dim}.`);
    this.checkTokens(x.shape[x.rank - 2], x.shape);
    return addPositionEmbedding(x, (this.embeddings as LayerVariable).read());
  }
}
tf.serialization.registerClass(LearnedPositionEmbedding);
