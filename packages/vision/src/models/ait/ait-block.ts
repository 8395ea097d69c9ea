import * as tf from '@tensorflow/tfjs-core';
import { layerArgsShape, parseLayerConfig, rateSchema, z, type AitLayerArgs, type LayerArgsOf, type LayerConfigOf } from '@ait/core';
import { TransformerBlock } from '../../blocks/transformer-block';
import type { InternalMaps } from '../vision-model';
import { GlobalWorkspaceLayer, type GlobalWorkspaceLayerArgs } from './global-workspace-layer';

const aitBlockSchema = z.strictObject({
  ...layerArgsShape,
  /** Self-attention heads H. */
  numHeads: z.number().int().positive(),
  /** Width of each head; default 64 (the reference). */
  headDim: z.number().int().positive().default(64),
  /** Dropout on the attention weights and output; default 0 (the reference). */
  dropout: rateSchema.default(0),
  /**
   * The `noSelfAttention` ablation as the reference code runs it: the attention inside the pre-norm
   * wrapper becomes the identity, so the first sub-layer computes `x + LN(x)`.
   */
  noSelfAttention: z.boolean().default(false),
  /** Keep each call's self-attention weights (for `internalMaps`); default false. */
  storeAttentionWeights: z.boolean().default(false),
  /** Options of the global workspace layer (see {@link GlobalWorkspaceLayer}). */
  workspace: z
    .custom<Omit<GlobalWorkspaceLayerArgs, 'name' | 'trainable'>>(
      (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
      'must be an object of global workspace options',
    )
    .default({}),
});

/** Options of {@link AitBlock} (each documented on the schema). */
export type AitBlockArgs = LayerArgsOf<typeof aitBlockSchema>;

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
  /** The AiT block's own validated options: what `getConfig` serialises (`config` is the transformer block's). */
  readonly aitConfig: LayerConfigOf<typeof aitBlockSchema>;

  constructor(args: AitBlockArgs) {
    const cfg = parseLayerConfig('AitBlock', aitBlockSchema, args);
    // only the tfjs layer arguments pass through unchanged
    const layerArgs = Object.fromEntries(Object.entries(args).filter(([k]) => k in layerArgsShape)) as AitLayerArgs;
    super({
      ...layerArgs,
      numHeads: cfg.numHeads,
      headDim: cfg.headDim,
      qkvBias: false,
      dropout: cfg.dropout,
      attentionDropout: cfg.dropout,
      selfAttention: !cfg.noSelfAttention,
      storeAttentionWeights: cfg.storeAttentionWeights,
      mlp: new GlobalWorkspaceLayer({ ...cfg.workspace, name: 'gwl', trainable: args.trainable ?? true }),
      mlpName: 'gwl',
    });
    this.aitConfig = this.useConfig(cfg);
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
}
tf.serialization.registerClass(AitBlock);
