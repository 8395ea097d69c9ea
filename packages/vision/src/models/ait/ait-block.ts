import * as tf from '@tensorflow/tfjs-core';
import { layerArgsShape, layerLabel, rateSchema, validateConfig, z, type AitLayerArgs } from '@ait/core';
import { TransformerBlock } from '../../blocks/transformer-block';
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
 * One Associative Transformer block: the ViT's pre-norm {@link TransformerBlock} with the
 * {@link GlobalWorkspaceLayer} in the MLP's place, `x = x + SelfAttention(LN(x))`, then
 * `x = x + GWL(LN(x))`, on `[batch, tokens, dim]`. The self-attention has heads of width 64, a
 * fused QKV projection without bias and an output projection with bias. Children: `attn_norm`,
 * `attn`, `gwl_norm`, `gwl`. This class only maps the AiT options onto the transformer block (the
 * forward pass is `TransformerBlock.call`); serialised as `AitAitBlock`.
 */
export class AitBlock extends TransformerBlock {
  /** tfjs serialisation name. */
  static override className = 'AitAitBlock';
  /** Whether the self-attention is ablated. */
  readonly noSelfAttention: boolean;
  /** Options passed to the global workspace layer. */
  readonly workspaceArgs: Record<string, unknown>;

  constructor(args: AitBlockArgs) {
    const cfg = validateConfig(layerLabel('AitBlock', args), aitBlockSchema, args);
    const { numHeads, headDim, dropout, noSelfAttention, storeAttentionWeights, workspace } = cfg;
    // only the tfjs layer arguments pass through unchanged
    const layerArgs = Object.fromEntries(Object.entries(args).filter(([k]) => k in layerArgsShape)) as AitLayerArgs;
    super({
      ...layerArgs,
      numHeads,
      headDim,
      qkvBias: false,
      dropout,
      attentionDropout: dropout,
      selfAttention: !noSelfAttention,
      storeAttentionWeights,
      mlp: new GlobalWorkspaceLayer({ ...(workspace as GlobalWorkspaceLayerArgs), name: 'gwl', trainable: args.trainable ?? true }),
      mlpName: 'gwl',
    });
    this.noSelfAttention = noSelfAttention;
    this.workspaceArgs = { ...workspace };
  }

  /** The block's global workspace layer (the MLP of the transformer block). */
  get gwl(): GlobalWorkspaceLayer {
    return this.mlp as GlobalWorkspaceLayer;
  }

  /**
   * Internal maps of the last call: `attention` (self-attention weights
   * `[batch, heads, tokens, tokens]`, when stored) and the GWL's maps under `gwl/`; names get
   * `prefix` prepended.
   */
  internalMaps(prefix = ''): InternalMaps {
    const maps: InternalMaps = this.gwl.internalMaps(`${prefix}gwl/`);
    const attention = this.lastAttentionWeights;
    if (attention) maps[`${prefix}attention`] = attention;
    return maps;
  }

  /** The AiT block's own options (as given to its constructor), not the transformer block's. */
  override getConfig(): tf.serialization.ConfigDict {
    const { numHeads, headDim, dropoutRate, storeAttentionWeights } = this;
    const base = super.getConfig();
    const layerArgs = Object.fromEntries(Object.entries(base).filter(([k]) => k in layerArgsShape));
    return {
      ...layerArgs,
      numHeads,
      headDim,
      dropout: dropoutRate,
      noSelfAttention: this.noSelfAttention,
      storeAttentionWeights,
      workspace: JSON.parse(JSON.stringify(this.workspaceArgs)) as tf.serialization.ConfigDict,
    };
  }
}
tf.serialization.registerClass(AitBlock);
