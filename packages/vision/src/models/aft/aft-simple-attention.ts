import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { layerArgsShape, z, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { aftSimple } from './aft-simple-op';
import { AftTokenMixer } from './aft-token-mixer';

const aftSimpleSchema = z.strictObject({
  ...layerArgsShape,
  /** Width of Q, K and V; default the input width. */
  hiddenDim: z.number().int().positive().nullish(),
});

/** Options of {@link AftSimpleAttention} (each documented on the schema). */
export type AftSimpleAttentionArgs = LayerArgsOf<typeof aftSimpleSchema>;

/**
 * The AFT-simple token mixer as a layer ({@link aftSimple}): `x [batch, T, D] -> [batch, T, D]`
 * through `Q, K, V` projections (`D -> d`) and an output projection (`d -> D`). Works for any
 * number of tokens. Children `query`, `key`, `value`, `output`. Serialised as `AitAftSimple`.
 */
export class AftSimpleAttention extends AftTokenMixer<typeof aftSimpleSchema> {
  /** tfjs serialisation name. */
  static className = 'AitAftSimple';

  constructor(args: AftSimpleAttentionArgs = {}) {
    super('AftSimpleAttention', aftSimpleSchema, args);
  }

  override build(inputShape: Shape | Shape[]): void {
    this.inputShapeOf(inputShape);
    this.buildProjections(this.config.hiddenDim ?? this.dim);
    this.built = true;
  }

  /** `x [batch, T, D] -> [batch, T, D]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = this.inputOf(inputs);
    return tf.tidy(() => this.mixTokens(x, kwargs, aftSimple));
  }
}
tf.serialization.registerClass(AftSimpleAttention);
