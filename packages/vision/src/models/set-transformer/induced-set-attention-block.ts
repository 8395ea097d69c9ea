import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { singleTensor, z, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { LearnedQueryBlock } from './learned-query-block';
import { MultiheadAttentionBlock, setBlockShape } from './multihead-attention-block';

const isabSchema = z.strictObject({
  ...setBlockShape,
  /** Number m of learned inducing points (cost `O(n m)` instead of `O(n^2)`). */
  inducingPoints: z.number().int().positive(),
});

/** Options of {@link InducedSetAttentionBlock} (each documented on the schema). */
export type InducedSetAttentionBlockArgs = LayerArgsOf<typeof isabSchema>;

/** What {@link InducedSetAttentionBlock.attend} returns (all owned by the caller). */
export interface IsabResult {
  /** `[batch, n, units]`. */
  output: tf.Tensor3D;
  /** The inducing points attending to the set, `[batch, heads, m, n]`. */
  induced: tf.Tensor4D;
  /** The set attending to the induced summary, `[batch, heads, n, m]`. */
  attention: tf.Tensor4D;
}

/**
 * The Set Transformer's induced set attention block: `ISAB_m(X) = MAB(X, MAB(I, X))` with `m`
 * learned inducing points `I [m, units]` (Glorot-uniform init, as the reference), for a set
 * `X [batch, n, dim] -> [batch, n, units]`. Children `mab0` (`MAB(I, X)`) and `mab1`
 * (`MAB(X, H)`); own weight `inducing_points`. Serialised as `AitInducedSetAttentionBlock`.
 */
export class InducedSetAttentionBlock extends LearnedQueryBlock<typeof isabSchema> {
  /** tfjs serialisation name. */
  static className = 'AitInducedSetAttentionBlock';
  private readonly mab0: MultiheadAttentionBlock;
  private readonly mab1: MultiheadAttentionBlock;

  constructor(args: InducedSetAttentionBlockArgs) {
    super('InducedSetAttentionBlock', isabSchema, args);
    const { units, numHeads, layerNorm } = this.config;
    const common = { units, numHeads, layerNorm, trainable: this.trainable };
    this.mab0 = this.track(new MultiheadAttentionBlock({ ...common, name: 'mab0' }));
    this.mab1 = this.track(new MultiheadAttentionBlock({ ...common, name: 'mab1' }));
  }

  override build(inputShape: Shape | Shape[]): void {
    this.inputShapeOf(inputShape, 'x', 3, '[batch, n, dim]');
    this.addQueries('inducing_points', this.config.inducingPoints, this.config.units);
    this.buildByCalling([null, null, this.dim]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.setOutputShape(inputShape, null, this.config.units);
  }

  /** `X [batch, n, dim]` -> {@link IsabResult}. */
  attend(x: tf.Tensor): IsabResult {
    this.checkSet(x, 'x');
    return tf.tidy(() => {
      const queries = this.batchQueries(x.shape[0] as number);
      const h = this.prepareChild(this.mab0, [queries, x]).attend(queries, x);
      const o = this.prepareChild(this.mab1, [x, h.output]).attend(x, h.output);
      return { output: o.output, induced: h.attention, attention: o.attention };
    });
  }

  /** `X [batch, n, dim] -> [batch, n, units]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const r = this.attend(singleTensor(this.where, inputs));
    tf.dispose([r.induced, r.attention]);
    return r.output;
  }
}
tf.serialization.registerClass(InducedSetAttentionBlock);
