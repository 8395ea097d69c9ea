import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { z } from '../config/validate-config';
import { addPositionEmbedding } from '../ops/add-position-embedding';
import { assertRank, formatShape } from '../ops/assert-shape';
import { sinusoidalPositionEmbedding2d } from '../ops/sinusoidal-position-embedding-2d';
import { AitLayer, type CallKwargs } from './ait-layer';
import { layerArgsShape } from './layer-args-schema';
import type { LayerArgsOf, LayerConfigOf } from './layer-config';
import { singleShape, singleTensor } from './layer-inputs';

const sinusoidalSchema = z.strictObject({
  ...layerArgsShape,
  /** Patch rows of the token grid (image height / patch size). */
  gridHeight: z.number().int().positive(),
  /** Patch columns of the token grid (image width / patch size). */
  gridWidth: z.number().int().positive(),
  /** Leading tokens that get no position (e.g. a CLS or question token); default 0. */
  prefixTokens: z.number().int().nonnegative().default(0),
  /** Base of the geometric frequencies; default 10000. */
  temperature: z.number().positive().default(10000),
});

/** Options of {@link SinusoidalPositionEmbedding2d} (each documented on the schema). */
export type SinusoidalPositionEmbedding2dArgs = LayerArgsOf<typeof sinusoidalSchema>;

/**
 * Adds fixed 2-D sine-cosine position embeddings (see {@link sinusoidalPositionEmbedding2d}) to
 * `x [batch, prefixTokens + gridHeight * gridWidth, dim]` (dim divisible by 4); the first
 * `prefixTokens` tokens are left unchanged. No weights. Serialised as
 * `AitSinusoidalPositionEmbedding2d`.
 */
export class SinusoidalPositionEmbedding2d extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitSinusoidalPositionEmbedding2d';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof sinusoidalSchema>;
  private table: tf.Tensor2D | null = null;

  constructor(args: SinusoidalPositionEmbedding2dArgs) {
    super(args);
    this.config = this.configureLayer('SinusoidalPositionEmbedding2d', sinusoidalSchema, args);
  }

  private get tokens(): number {
    const { prefixTokens, gridHeight, gridWidth } = this.config;
    return prefixTokens + gridHeight * gridWidth;
  }

  private checkShape(shape: readonly (number | null)[]): void {
    assertRank(this.layerLabel, 'the input', { shape }, [3], '[batch, tokens, dim]');
    const [, tokens, dim] = shape;
    if (tokens !== null && tokens !== this.tokens) {
      throw new Error(
        `${this.layerLabel}: the input ${formatShape(shape)} has ${tokens} tokens, expected ${this.tokens} ` +
          `(${this.config.prefixTokens} prefix + ${this.config.gridHeight}x${this.config.gridWidth} grid).`,
      );
    }
    if (dim !== null && dim !== undefined && dim % 4 !== 0) {
      throw new Error(`${this.layerLabel}: the token width must be divisible by 4, got ${formatShape(shape)}.`);
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    this.checkShape(singleShape(this.layerLabel, inputShape));
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.layerLabel, inputShape);
    this.checkShape(shape);
    return shape;
  }

  /** The cached `[prefixTokens + gridHeight * gridWidth, dim]` table (zero rows for the prefix). */
  private tableFor(dim: number): tf.Tensor2D {
    if (this.table !== null && this.table.shape[1] === dim) return this.table;
    this.table?.dispose();
    const { gridHeight, gridWidth, prefixTokens, temperature } = this.config;
    const table = tf.keep(
      tf.tidy(() => {
        const grid = sinusoidalPositionEmbedding2d(gridHeight, gridWidth, dim, temperature);
        return prefixTokens > 0 ? tf.concat([tf.zeros([prefixTokens, dim]), grid], 0) : grid;
      }),
    ) as tf.Tensor2D;
    this.table = table;
    return table;
  }

  /** `[batch, tokens, dim] -> [batch, tokens, dim]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.layerLabel, inputs);
    this.checkShape(x.shape);
    return addPositionEmbedding(x, this.tableFor(x.shape[2] as number));
  }

  protected override disposeResources(): void {
    super.disposeResources();
    this.table?.dispose();
    this.table = null;
  }
}
tf.serialization.registerClass(SinusoidalPositionEmbedding2d);
