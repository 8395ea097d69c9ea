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

/** Rows the official shared_workspace code's table has (`PositionEncoder(d_model, max_seq_len = 300)`). */
export const SHARED_WORKSPACE_POSITION_ROWS = 300;

/**
 * The values of the 1-D position table of the official shared_workspace code
 * (`Triangle/transformer_utilities/pos_enc.py`, `PositionEncoder`), `tokens * dim` row-major:
 * `pe[t, j] = (j even ? sin : cos)(t / 10000^(2j / dim))`, rounded to float32 as its `pe` buffer
 * holds them; with `scaled` (default) multiplied in float32 by `sigmoid(1)`, the table its forward
 * pass adds (see {@link sharedWorkspacePositionTable1d}). `dim` must be even and `tokens` at most 300.
 */
export function sharedWorkspacePositionValues(tokens: number, dim: number, scaled = true): Float32Array {
  const where = 'sharedWorkspacePositionValues';
  assertPositiveInt(where, 'tokens', tokens);
  assertPositiveInt(where, 'dim', dim);
  if (dim % 2 !== 0) throw new Error(`${where}: dim must be even (the official table fills its columns in pairs), got ${dim}.`);
  if (tokens > SHARED_WORKSPACE_POSITION_ROWS) {
    throw new Error(
      `${where}: the official table has ${SHARED_WORKSPACE_POSITION_ROWS} rows, ${tokens} tokens were asked for; ` +
        `use fewer tokens (a larger patch size) or the standard table.`,
    );
  }
  const scale = scaled ? Math.fround(1 / (1 + Math.exp(-1))) : 1;
  const values = new Float32Array(tokens * dim);
  for (let t = 0; t < tokens; t++) {
    for (let j = 0; j < dim; j++) {
      const angle = t / Math.pow(10000, (2 * j) / dim);
      // float32 value times float32 scale: the double product is exact, so storing it rounds as float32 arithmetic does.
      values[t * dim + j] = Math.fround(j % 2 === 0 ? Math.sin(angle) : Math.cos(angle)) * scale;
    }
  }
  return values;
}

/**
 * The 1-D position table the official shared_workspace code adds to its tokens (CLS token first),
 * `[tokens, dim]`: `table[t, j] = sigmoid(1) * (j even ? sin : cos)(t / 10000^(2j / dim))`. It
 * differs from {@link sinusoidalPositionTable1d} twice: the exponent is `2j / dim` for every
 * column `j` (not `2 floor(j / 2) / dim`), and the table is scaled by `sigmoid(pos_emb_weight)`, a
 * parameter that starts at ones and never trains (the code wraps the product in
 * `Variable(..., requires_grad=False)`, which detaches it), so by `sigmoid(1)`. Values as
 * {@link sharedWorkspacePositionValues} computes them; `dim` even, `tokens` at most 300.
 */
export function sharedWorkspacePositionTable1d(tokens: number, dim: number): tf.Tensor2D {
  return tf.tensor2d(sharedWorkspacePositionValues(tokens, dim), [tokens, dim], 'float32');
}

/** Which table {@link SinusoidalPositionEmbedding1d} adds. */
export const POSITION_TABLES_1D = ['standard', 'official'] as const;

/** One of {@link POSITION_TABLES_1D}. */
export type PositionTable1d = (typeof POSITION_TABLES_1D)[number];

const sinusoidal1dSchema = z.strictObject({
  ...layerArgsShape,
  /** `standard` (default): {@link sinusoidalPositionTable1d}; `official`: {@link sharedWorkspacePositionTable1d}. */
  table: z.enum(POSITION_TABLES_1D).default('standard'),
});

/** Options of {@link SinusoidalPositionEmbedding1d}: the table, and the tfjs layer arguments. */
export type SinusoidalPositionEmbedding1dArgs = LayerArgsOf<typeof sinusoidal1dSchema>;

/**
 * Adds fixed 1-D sine-cosine positions to every token: those of {@link sinusoidalPositionTable1d}
 * (default), or with `table: 'official'` those of {@link sharedWorkspacePositionTable1d},
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
      const make = this.config.table === 'official' ? sharedWorkspacePositionTable1d : sinusoidalPositionTable1d;
      this.table = tf.keep(make(tokens, dim));
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
