import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertRank,
  createKernelInitializer,
  knownDim,
  layerArgsShape,
  layerLabel,
  singleShape,
  singleTensor,
  validateConfig,
  z,
  type AitLayerArgs,
  type CallKwargs,
} from '@ait/core';
import type { MabResult } from './multihead-attention-block-op';
import { MultiheadAttentionBlock } from './multihead-attention-block';

const pmaSchema = z.strictObject({
  ...layerArgsShape,
  units: z.number().int().positive(),
  numHeads: z.number().int().positive(),
  seeds: z.number().int().positive(),
  layerNorm: z.boolean().default(true),
});

/** Options of {@link PoolingByMultiheadAttention}. */
export interface PoolingByMultiheadAttentionArgs extends AitLayerArgs {
  /** Output width (and width of the seed vectors). */
  units: number;
  /** Number of heads. */
  numHeads: number;
  /** Number k of learned seed vectors = number of pooled outputs. */
  seeds: number;
  /** Whether the MAB uses its LayerNorms; default true. */
  layerNorm?: boolean;
}

/**
 * The Set Transformer's pooling by multihead attention: `PMA_k(Z) = MAB(S, Z)` with `k` learned
 * seeds `S [k, units]` (Glorot-uniform init), pooling a set `Z [batch, n, dim]` to
 * `[batch, k, units]` (the reference code applies the MAB directly to `Z`). Child `mab`; own weight
 * `seeds`. Serialised as `AitPoolingByMultiheadAttention`.
 */
export class PoolingByMultiheadAttention extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitPoolingByMultiheadAttention';
  /** Output width. */
  readonly units: number;
  /** Number of heads. */
  readonly numHeads: number;
  /** Number of seeds. */
  readonly seeds: number;
  /** Whether the MAB uses LayerNorm. */
  readonly useLayerNorm: boolean;
  private readonly mab: MultiheadAttentionBlock;
  private seedVectors: LayerVariable | null = null;

  constructor(args: PoolingByMultiheadAttentionArgs) {
    const cfg = validateConfig(layerLabel('PoolingByMultiheadAttention', args), pmaSchema, args);
    super(args);
    this.units = cfg.units;
    this.numHeads = cfg.numHeads;
    this.seeds = cfg.seeds;
    this.useLayerNorm = cfg.layerNorm;
    this.mab = this.track(
      new MultiheadAttentionBlock({
        units: this.units,
        numHeads: this.numHeads,
        layerNorm: this.useLayerNorm,
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
    this.seedVectors = this.addWeight('seeds', [this.seeds, this.units], 'float32', createKernelInitializer('glorotUniform'));
    this.buildChild(this.mab, [[null, this.seeds, this.units], [null, null, dim]]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.where, inputShape);
    return [shape[0] ?? null, this.seeds, this.units];
  }

  /** `Z [batch, n, dim]` -> output `[batch, k, units]` and attention `[batch, heads, k, n]`. */
  attend(z: tf.Tensor): MabResult {
    if (!this.built) throw new Error(`${this.where}: call the layer through apply() (or build it) first.`);
    assertRank(this.where, 'z', z, [3], '[batch, n, dim]');
    return tf.tidy(() => {
      const batch = z.shape[0] as number;
      const s = tf.broadcastTo(tf.expandDims((this.seedVectors as LayerVariable).read(), 0), [batch, this.seeds, this.units]);
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

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), units: this.units, numHeads: this.numHeads, seeds: this.seeds, layerNorm: this.useLayerNorm };
  }
}
tf.serialization.registerClass(PoolingByMultiheadAttention);
