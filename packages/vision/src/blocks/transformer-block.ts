import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertLastDim,
  assertRank,
  dropPath,
  FeedForward,
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

const transformerBlockSchema = z.strictObject({
  ...layerArgsShape,
  numHeads: z.number().int().positive(),
  headDim: z.number().int().positive().nullish(),
  mlpDim: z.number().int().positive(),
  qkvBias: z.boolean().default(false),
  dropout: rateSchema.default(0),
  attentionDropout: rateSchema.default(0),
  dropPath: rateSchema.default(0),
  epsilon: z.number().nonnegative().default(1e-5),
  storeAttentionWeights: z.boolean().default(false),
});

/** Options of {@link TransformerBlock}. */
export interface TransformerBlockArgs extends AitLayerArgs {
  /** Self-attention heads. */
  numHeads: number;
  /** Width of each head; default `dim / numHeads` (the AiT and ViT reference code: 64). */
  headDim?: number | null;
  /** Hidden width of the feed-forward network (ViT-Base: 3072). */
  mlpDim: number;
  /** Whether the fused QKV projection has a bias; default false (as the reference code). */
  qkvBias?: boolean;
  /** Dropout after the attention output projection and inside the feed-forward network; default 0. */
  dropout?: number;
  /** Dropout on the attention weights; default 0. */
  attentionDropout?: number;
  /** Stochastic depth (drop-path) rate on both residual branches; default 0. */
  dropPath?: number;
  /** Epsilon of both LayerNorms; default 1e-5 (PyTorch). */
  epsilon?: number;
  /** Keep each call's attention weights for {@link TransformerBlock.lastAttentionWeights}; default false. */
  storeAttentionWeights?: boolean;
}

/**
 * Pre-norm transformer block (ViT; Dosovitskiy et al. 2021, as in the AiT reference code):
 * `x = x + MHSA(LN(x))`, then `x = x + MLP(LN(x))`, on tokens `[batch, tokens, dim] -> [batch,
 * tokens, dim]`. The attention has a fused QKV projection (without bias by default) and an output
 * projection with bias; the MLP is `Dense(dim -> mlpDim) -> GELU -> Dense(mlpDim -> dim)`.
 * Children: `attn_norm`, `attn`, `mlp_norm`, `mlp`. Serialised as `AitTransformerBlock`.
 */
export class TransformerBlock extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitTransformerBlock';
  /** Self-attention heads. */
  readonly numHeads: number;
  /** Configured head width (`null`: `dim / numHeads`). */
  readonly headDim: number | null;
  /** Feed-forward hidden width. */
  readonly mlpDim: number;
  /** Whether the QKV projection has a bias. */
  readonly qkvBias: boolean;
  /** Dropout rate of the residual branches. */
  readonly dropoutRate: number;
  /** Dropout rate on the attention weights. */
  readonly attentionDropout: number;
  /** Drop-path rate. */
  readonly dropPathRate: number;
  /** LayerNorm epsilon. */
  readonly epsilon: number;
  /** Whether calls keep their attention weights. */
  readonly storeAttentionWeights: boolean;
  private readonly attnNorm: LayerNorm;
  private readonly attn: MultiHeadAttention;
  private readonly mlpNorm: LayerNorm;
  private readonly mlp: FeedForward;
  private dim = -1;

  constructor(args: TransformerBlockArgs) {
    const cfg = validateConfig(layerLabel('TransformerBlock', args), transformerBlockSchema, args);
    super(args);
    this.numHeads = cfg.numHeads;
    this.headDim = cfg.headDim ?? null;
    this.mlpDim = cfg.mlpDim;
    this.qkvBias = cfg.qkvBias;
    this.dropoutRate = cfg.dropout;
    this.attentionDropout = cfg.attentionDropout;
    this.dropPathRate = cfg.dropPath;
    this.epsilon = cfg.epsilon;
    this.storeAttentionWeights = cfg.storeAttentionWeights;
    const trainable = this.trainable;
    this.attnNorm = this.track(new LayerNorm({ epsilon: this.epsilon, name: 'attn_norm', trainable }));
    this.attn = this.track(
      new MultiHeadAttention({
        numHeads: this.numHeads,
        headDim: this.headDim,
        qkvBias: this.qkvBias,
        attentionDropout: this.attentionDropout,
        outputDropout: this.dropoutRate,
        storeAttentionWeights: this.storeAttentionWeights,
        name: 'attn',
        trainable,
      }),
    );
    this.mlpNorm = this.track(new LayerNorm({ epsilon: this.epsilon, name: 'mlp_norm', trainable }));
    this.mlp = this.track(new FeedForward({ hiddenDim: this.mlpDim, dropout: this.dropoutRate, name: 'mlp', trainable }));
  }

  private get where(): string {
    return `TransformerBlock '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    assertRank(this.where, 'x', { shape }, [3], '[batch, tokens, dim]');
    this.dim = knownDim(this.where, 'x', shape, -1);
    const tokens: Shape = [null, null, this.dim];
    this.buildChild(this.attnNorm, tokens);
    this.buildChild(this.attn, tokens);
    this.buildChild(this.mlpNorm, tokens);
    this.buildChild(this.mlp, tokens);
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
    const training = this.isTraining(kwargs);
    const kw: CallKwargs = { training };
    return tf.tidy(() => {
      const a = this.callChild(this.attn, this.callChild(this.attnNorm, x, kw), kw);
      const h = tf.add(x, dropPath(a, this.dropPathRate, training));
      const m = this.callChild(this.mlp, this.callChild(this.mlpNorm, h, kw), kw);
      return tf.add(h, dropPath(m, this.dropPathRate, training));
    });
  }

  /**
   * Attention weights `[batch, heads, tokens, tokens]` of the last call when
   * `storeAttentionWeights` is on, else `null`; owned by the block (valid until its next call).
   */
  get lastAttentionWeights(): tf.Tensor4D | null {
    return this.attn.lastAttentionWeights;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      headDim: this.headDim,
      mlpDim: this.mlpDim,
      qkvBias: this.qkvBias,
      dropout: this.dropoutRate,
      attentionDropout: this.attentionDropout,
      dropPath: this.dropPathRate,
      epsilon: this.epsilon,
      storeAttentionWeights: this.storeAttentionWeights,
    };
  }
}
tf.serialization.registerClass(TransformerBlock);
