import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { addPositionEmbedding, assertPositiveInt, layerArgsShape, z, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { VisionLayer } from './vision-layer';

/**
 * The fixed 1-D sine-cosine position table of "Attention is all you need", `[tokens, dim]`:
 * `table[t, 2i] = sin(t / 10000^(2i / dim))`, `table[t, 2i + 1] = cos(t / 10000^(2i / dim))`.
 * (The Coordination reference adds it to its token sequence, CLS token first.)
 */
export function sinusoidalPositionTable1d(tokens: number, dim: number): tf.Tensor2D {
  assertPositiveInt('sinusoidalPositionTable1d', 'tokens', tokens);
  assertPositiveInt('sinusoidalPositionTable1d', 'dim', dim);
  const values = new Float32Array(tokens * dim);
  for (let t = 0; t < tokens; t++) {
    for (let j = 0; j < dim; j++) {
      const angle = t / Math.pow(10000, (2 * Math.floor(j / 2)) / dim);
      values[t * dim + j] = j % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
    }
  }
  return tf.tensor2d(values, [tokens, dim], 'float32');
}

const sinusoidal1dSchema = z.strictObject({ ...layerArgsShape });

/** Options of {@link SinusoidalPositionEmbedding1d}: only the tfjs layer arguments. */
export type SinusoidalPositionEmbedding1dArgs = LayerArgsOf<typeof sinusoidal1dSchema>;

/**
 * Adds the fixed 1-D sine-cosine positions of {@link sinusoidalPositionTable1d} to every token,
 * `x [batch, tokens, dim] -> [batch, tokens, dim]` (the table is computed once per shape and
 * kept). No weights. Serialised as `AitSinusoidalPositionEmbedding1d`.
 */
export class SinusoidalPositionEmbedding1d extends VisionLayer<typeof sinusoidal1dSchema> {
  /** tfjs serialisation name. */
  static className = 'AitSinusoidalPositionEmbedding1d';
  private table: tf.Tensor2D | null = null;

  constructor(args: SinusoidalPositionEmbedding1dArgs = {}) {
    super('SinusoidalPositionEmbedding1d', sinusoidal1dSchema, args);
  }

  override build(inputShape: Shape | Shape[]): void {
    this.inputShapeOf(inputShape);
    this.built = true;
  }

  /** `[batch, tokens, dim] -> [batch, tokens, dim]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const x = this.inputOf(inputs);
    const [, tokens, dim] = x.shape as [number, number, number];
    if (this.table === null || this.table.shape[0] !== tokens || this.table.shape[1] !== dim) {
      this.table?.dispose();
      this.table = tf.keep(sinusoidalPositionTable1d(tokens, dim));
    }
    return addPositionEmbedding(x, this.table);
  }

  protected override disposeResources(): void {
    super.disposeResources();
    this.table?.dispose();
    this.table = null;
  }
}
tf.serialization.registerClass(SinusoidalPositionEmbedding1d);
