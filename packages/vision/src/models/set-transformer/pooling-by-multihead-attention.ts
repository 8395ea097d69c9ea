import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { singleTensor, z, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { LearnedQueryBlock } from './learned-query-block';
import type { MabResult } from './multihead-attention-block-op';
import { MultiheadAttentionBlock, setBlockShape } from './multihead-attention-block';

const pmaSchema = z.strictObject({
  ...setBlockShape,
  /** Number k of learned seed vectors = number of pooled outputs. */
  seeds: z.number().int().positive(),
});

/** Options of {@link PoolingByMultiheadAttention} (each documented on the schema). */
export type PoolingByMultiheadAttentionArgs = LayerArgsOf<typeof pmaSchema>;

/**
 * The Set Transformer's pooling by multihead attention: `PMA_k(Z) = MAB(S, Z)` with `k` learned
 * seeds `S [k, units]` (Glorot-uniform init), pooling a set `Z [batch, n, dim]` to
 * `[batch, k, units]` (the reference code applies the MAB directly to `Z`). Child `mab`; own weight
 * `seeds`. Serialised as `AitPoolingByMultiheadAttention`.
 */
export class PoolingByMultiheadAttention extends LearnedQueryBlock<typeof pmaSchema> {
  /** tfjs serialisation name. */
  static className = 'AitPoolingByMultiheadAttention';
  private readonly mab: MultiheadAttentionBlock;

  constructor(args: PoolingByMultiheadAttentionArgs) {
    super('PoolingByMultiheadAttention', pmaSchema, args);
    const { units, numHeads, layerNorm } = this.config;
    this.mab = this.track(new MultiheadAttentionBlock({ units, numHeads, layerNorm, name: 'mab', trainable: this.trainable }));
  }

  override build(inputShape: Shape | Shape[]): void {
    this.inputShapeOf(inputShape, 'z', 3, '[batch, n, dim]');
    this.addQueries('seeds', this.config.seeds, this.config.units);
    this.buildByCalling([null, null, this.dim]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.setOutputShape(inputShape, this.config.seeds, this.config.units);
  }

  /** `Z [batch, n, dim]` -> output `[batch, k, units]` and attention `[batch, heads, k, n]`. */
  attend(z: tf.Tensor): MabResult {
    this.checkSet(z, 'z');
    return tf.tidy(() => {
      const seeds = this.batchQueries(z.shape[0] as number);
      const r = this.prepareChild(this.mab, [seeds, z]).attend(seeds, z);
      return { output: r.output, attention: r.attention };
    });
  }

  /** `Z [batch, n, dim] -> [batch, k, units]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const r = this.attend(singleTensor(this.where, inputs));
    r.attention.dispose();
    return r.output;
  }
}
tf.serialization.registerClass(PoolingByMultiheadAttention);
