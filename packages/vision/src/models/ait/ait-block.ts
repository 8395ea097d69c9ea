import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertLastDim,
  assertRank,
  knownDim,
  layerArgsShape,
  layerLabel,
  LayerNorm,
  MultiHeadAttention,
  rateSchema,
  singleShape,
  singleTensor,
  validateConfig,
  z,
  type AitLayerArgs,
  type CallKwargs,
} from '@ait/core';
import type { InternalMaps } from '../vision-model';
import { GlobalWorkspaceLayer, type GlobalWorkspaceLayerArgs } from './global-workspace-layer';

const aitBlockSchema = z.strictObject({
  ...layerArgsShape,
  numHeads: z.number().int().positive(),
  headDim: z.number().int().positive().default(64),
  dropout: rateSchema.default(0),
  noSelfAttention: z.boolean().default(false),
  storeAttentionWeights: z.boolean().default(false),
  workspace: z.record(z.string(), z.unknown()).default({}),
});

/** Options of {@link AitBlock}. */
export interface AitBlockArgs extends AitLayerArgs {
  /** Self-attention heads H. */
  numHeads: number;
  /** Width of each head; default 64 (the reference). */
  headDim?: number;
  /** Dropout on the attention weights and output; default 0 (the reference). */
  dropout?: number;
  /**
   * The `noSelfAttention` ablation as the reference code runs it: the attention inside the pre-norm
   * wrapper becomes the identity, so the first sub-layer computes `x + LN(x)`.
   */
  noSelfAttention?: boolean;
  /** Keep each call's self-attention weights (for `internalMaps`); default false. */
  storeAttentionWeights?: boolean;
  /** Options of the global workspace layer (see {@link GlobalWorkspaceLayer}). */
  workspace?: Omit<GlobalWorkspaceLayerArgs, 'name' | 'trainable'>;
}

/**
 * One Associative Transformer block (pre-norm): `x = x + SelfAttention(LN(x))`, then
 * `x = x + GWL(LN(x))`, on `[batch, tokens, dim]`. The self-attention has heads of width 64, a fused
 * QKV projection without bias and an output projection with bias; GWL is the
 * {@link GlobalWorkspaceLayer}. Children: `attn_norm`, `attn`, `gwl_norm`, `gwl`. Serialised as
 * `AitAitBlock`.
 */
export class AitBlock extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitAitBlock';
  /** Self-attention heads. */
  readonly numHeads: number;
  /** Width of each head. */
  readonly headDim: number;
  /** Attention dropout rate. */
  readonly dropoutRate: number;
  /** Whether the self-attention is ablated. */
  readonly noSelfAttention: boolean;
  /** Whether calls keep their attention weights. */
  readonly storeAttentionWeights: boolean;
  /** Options passed to the global workspace layer. */
  readonly workspaceArgs: Record<string, unknown>;
  private readonly attnNorm: LayerNorm;
  private readonly attn: MultiHeadAttention | null;
  private readonly gwlNorm: LayerNorm;
  /** The block's global workspace layer. */
  readonly gwl: GlobalWorkspaceLayer;
  private dim = -1;

  constructor(args: AitBlockArgs) {
    const cfg = validateConfig(layerLabel('AitBlock', args), aitBlockSchema, args);
    super(args);
    this.numHeads = cfg.numHeads;
    this.headDim = cfg.headDim;
    this.dropoutRate = cfg.dropout;
    this.noSelfAttention = cfg.noSelfAttention;
    this.storeAttentionWeights = cfg.storeAttentionWeights;
    this.workspaceArgs = { ...cfg.workspace };
    const trainable = this.trainable;
    this.attnNorm = this.track(new LayerNorm({ name: 'attn_norm', trainable }));
    this.attn = this.noSelfAttention
      ? null
      : this.track(
          new MultiHeadAttention({
            numHeads: this.numHeads,
            headDim: this.headDim,
            qkvBias: false,
            attentionDropout: this.dropoutRate,
            outputDropout: this.dropoutRate,
            storeAttentionWeights: this.storeAttentionWeights,
            name: 'attn',
            trainable,
          }),
        );
    this.gwlNorm = this.track(new LayerNorm({ name: 'gwl_norm', trainable }));
    this.gwl = this.track(new GlobalWorkspaceLayer({ ...(cfg.workspace as GlobalWorkspaceLayerArgs), name: 'gwl', trainable }));
  }

  private get where(): string {
    return `AitBlock '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    assertRank(this.where, 'x', { shape }, [3], '[batch, tokens, dim]');
    this.dim = knownDim(this.where, 'x', shape, -1);
    const tokens: Shape = [null, null, this.dim];
    this.buildChild(this.attnNorm, tokens);
    if (this.attn) this.buildChild(this.attn, tokens);
    this.buildChild(this.gwlNorm, tokens);
    this.buildChild(this.gwl, tokens);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(this.where, inputShape);
  }

  /** `[batch, tokens, dim] -> [batch, tokens, dim]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.where, inputs);
    assertRank(this.where, 'x', x, [3], '[batch, tokens, dim]');
    assertLastDim(this.where, 'x', x, this.dim, `The block was built for tokens of width ${this.dim}.`);
    const kw: CallKwargs = { training: this.isTraining(kwargs) };
    return tf.tidy(() => {
      const normed = this.callChild(this.attnNorm, x, kw);
      const h = tf.add(x, this.attn ? this.callChild(this.attn, normed, kw) : normed);
      return tf.add(h, this.callChild(this.gwl, this.callChild(this.gwlNorm, h, kw), kw));
    });
  }

  /**
   * Internal maps of the last call: `attention` (self-attention weights
   * `[batch, heads, tokens, tokens]`, when stored) and the GWL's maps under `gwl/`; names get
   * `prefix` prepended.
   */
  internalMaps(prefix = ''): InternalMaps {
    const maps: InternalMaps = this.gwl.internalMaps(`${prefix}gwl/`);
    const attention = this.attn?.lastAttentionWeights;
    if (attention) maps[`${prefix}attention`] = attention;
    return maps;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      headDim: this.headDim,
      dropout: this.dropoutRate,
      noSelfAttention: this.noSelfAttention,
      storeAttentionWeights: this.storeAttentionWeights,
      workspace: JSON.parse(JSON.stringify(this.workspaceArgs)) as tf.serialization.ConfigDict,
    };
  }
}
tf.serialization.registerClass(AitBlock);
