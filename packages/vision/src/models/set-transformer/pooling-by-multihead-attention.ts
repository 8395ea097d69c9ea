import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertRank,
  createKernelInitializer,
  knownDim,
  layerArgsShape,
  parseLayerConfig,
  singleShape,
  singleTensor,
  z,
  type CallKwargs,
  type LayerArgsOf,
  type LayerConfigOf,
} from '@ait/core';
import type { MabResult } from './multihead-attention-block-op';
import { MultiheadAttentionBlock } from './multihead-attention-block';

const pmaSchema = z.strictObject({
  ...layerArgsShape,
  /** Output width (and width of the seed vectors). */
  units: z.number().int().positive(),
  /** Number of heads. */
  numHeads: z.number().int().positive(),
  /** Number k of learned seed vectors = number of pooled outputs. */
  seeds: z.number().int().positive(),
  /** Whether the MAB uses its LayerNorms; default true. */
  layerNorm: z.boolean().default(true),
});

/** Options of {@link PoolingByMultiheadAttention} (each documented on the schema). */
export type PoolingByMultiheadAttentionArgs = LayerArgsOf<typeof pmaSchema>;

/**
 * The Set Transformer's pooling by multihead attention: `PMA_k(Z) = MAB(S, Z)` with `k` learned
 * seeds `S [k, units]` (Glorot-uniform init), pooling a set `Z [batch, n, dim]` to
 * `[batch, k, units]` (the reference code applies the MAB directly to `Z`). Child `mab`; own weight
 * `seeds`. Serialised as `AitPoolingByMultiheadAttention`.
 */
export class PoolingByMultiheadAttention extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitPoolingByMultiheadAttention';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof pmaSchema>;
  private readonly mab: MultiheadAttentionBlock;
  private seedVectors: LayerVariable | null = null;

  constructor(args: PoolingByMultiheadAttentionArgs) {
    const config = parseLayerConfig('PoolingByMultiheadAttention', pmaSchema, args);
    super(args);
    this.config = this.useConfig(config);
    this.mab = this.track(
      new MultiheadAttentionBlock({
        units: config.units,
        numHeads: config.numHeads,
        layerNorm: config.layerNorm,
        name: 'mab',
        trainable: this.trainable,
      }),
    );
  }

  private get where(): string {
    return `PoolingByMultiheadAttention '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    assertRank(this.where, 'z', { shape }, [3], '[batch, n, dim]');
    const dim = knownDim(this.where, 'z', shape, -1);
    this.seedVectors = this.addWeight('seeds', [this.config.seeds, this.config.units], 'float32', createKernelInitializer('glorotUniform'));
    this.buildChild(this.mab, [
      [null, this.config.seeds, this.config.units],
      [null, null, dim],
    ]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.where, inputShape);
    return [shape[0] ?? null, this.config.seeds, this.config.units];
  }

  /** `Z [batch, n, dim]` -> output `[batch, k, units]` and attention `[batch, heads, k, n]`. */
  attend(z: tf.Tensor): MabResult {
    if (!this.built) throw new Error(`${this.where}: call the layer through apply() (or build it) first.`);
    assertRank(this.where, 'z', z, [3], '[batch, n, dim]');
    return tf.tidy(() => {
      const batch = z.shape[0] as number;
      const s = tf.broadcastTo(tf.expandDims((this.seedVectors as LayerVariable).read(), 0), [batch, this.config.seeds, this.config.units]);
      const r = this.mab.attend(s, z);
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
