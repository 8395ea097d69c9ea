import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertLastDim,
  assertRank,
  ConfigError,
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
  mlpDim: z.number().int().positive().optional(),
  mlp: z.unknown().optional(),
  mlpName: z.string().regex(/^[A-Za-z][\w-]*$/, 'must be a plain child-layer name such as "mlp" or "gwl"').default('mlp'),
  selfAttention: z.boolean().default(true),
  qkvBias: z.boolean().default(false),
  dropout: rateSchema.default(0),
  attentionDropout: rateSchema.default(0),
  dropPath: rateSchema.default(0),
  epsilon: z.number().nonnegative().default(1e-5),
  storeAttentionWeights: z.boolean().default(false),
});

/** A serialised layer: what `getConfig` writes for a custom {@link TransformerBlockArgs.mlp}. */
interface SerializedLayer {
  className: string;
  config: tf.serialization.ConfigDict;
}

function isSerializedLayer(value: unknown): value is SerializedLayer {
  const v = value as Partial<SerializedLayer> | null;
  return !!v && typeof v === 'object' && typeof v.className === 'string' && typeof v.config === 'object' && v.config !== null;
}

/** Rebuilds a registered AiT.js layer from `{ className, config }`. */
function deserializeLayer(where: string, value: SerializedLayer): AitLayer {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[value.className];
  if (!entry) throw new Error(`${where}: the MLP layer class "${value.className}" is not registered; import the package that defines it first.`);
  const [cls, fromConfig] = entry;
  const layer = fromConfig(cls, value.config) as unknown;
  if (!(layer instanceof AitLayer)) throw new Error(`${where}: the MLP layer class "${value.className}" is not an AiT.js layer.`);
  return layer;
}

/** Options of {@link TransformerBlock}. */
export interface TransformerBlockArgs extends AitLayerArgs {
  /** Self-attention heads. */
  numHeads: number;
  /** Width of each head; default `dim / numHeads` (the AiT and ViT reference code: 64). */
  headDim?: number | null;
  /**
   * Hidden width of the default MLP, `Dense(dim -> mlpDim) -> GELU -> Dense(mlpDim -> dim)` (ViT-Base:
   * 3072). Give it, or a layer in `mlp`.
   */
  mlpDim?: number;
  /**
   * The layer in the MLP's place: any AiT.js layer mapping tokens `[batch, tokens, dim]` to
   * `[batch, tokens, dim]`, e.g. the AiT's `GlobalWorkspaceLayer` (timm's `Block(mlp_layer=...)`).
   * It becomes a child of the block, named `mlpName`; in a serialised config it is
   * `{ className, config }`.
   */
  mlp?: AitLayer | SerializedLayer;
  /** Child name of the MLP (its norm is `<mlpName>_norm`); default `mlp` (AiT: `gwl`). */
  mlpName?: string;
  /**
   * Whether the first sub-layer has its self-attention; default true. `false` is AiT's
   * `noSelfAttention` ablation as the reference code runs it: the attention inside the pre-norm
   * wrapper becomes the identity, so the first sub-layer computes `x + LN(x)`.
   */
  selfAttention?: boolean;
  /** Whether the fused QKV projection has a bias; default false (as the reference code). */
  qkvBias?: boolean;
  /** Dropout after the attention output projection and inside the default MLP; default 0. */
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
 * projection with bias; the MLP is `Dense(dim -> mlpDim) -> GELU -> Dense(mlpDim -> dim)`, or the
 * layer given as `mlp`: the Associative Transformer's block is this block with its
 * `GlobalWorkspaceLayer` in the MLP's place (see `AitBlock`). Children: `attn_norm`, `attn`,
 * `<mlpName>_norm`, `<mlpName>`. Serialised as `AitTransformerBlock`.
 */
export class TransformerBlock extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitTransformerBlock';
  /** Self-attention heads. */
  readonly numHeads: number;
  /** Configured head width (`null`: `dim / numHeads`). */
  readonly headDim: number | null;
  /** Hidden width of the default MLP (`null` with a custom `mlp`). */
  readonly mlpDim: number | null;
  /** Child name of the MLP. */
  readonly mlpName: string;
  /** Whether the first sub-layer has its self-attention. */
  readonly selfAttention: boolean;
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
  private readonly attn: MultiHeadAttention | null;
  private readonly mlpNorm: LayerNorm;
  /** The MLP (a `FeedForward`, or the layer given as `mlp`). */
  protected readonly mlp: AitLayer;
  private readonly customMlp: boolean;
  private dim = -1;

  constructor(args: TransformerBlockArgs) {
    const where = layerLabel('TransformerBlock', args);
    const cfg = validateConfig(where, transformerBlockSchema, args);
    if ((cfg.mlpDim === undefined) === (cfg.mlp === undefined)) {
      throw new ConfigError(where, [cfg.mlp === undefined ? 'give mlpDim (the default MLP) or an mlp layer' : 'give mlpDim or mlp, not both']);
    }
    super(args);
    this.numHeads = cfg.numHeads;
    this.headDim = cfg.headDim ?? null;
    this.mlpDim = cfg.mlpDim ?? null;
    this.mlpName = cfg.mlpName;
    this.selfAttention = cfg.selfAttention;
    this.qkvBias = cfg.qkvBias;
    this.dropoutRate = cfg.dropout;
    this.attentionDropout = cfg.attentionDropout;
    this.dropPathRate = cfg.dropPath;
    this.epsilon = cfg.epsilon;
    this.storeAttentionWeights = cfg.storeAttentionWeights;
    const trainable = this.trainable;
    this.attnNorm = this.track(new LayerNorm({ epsilon: this.epsilon, name: 'attn_norm', trainable }));
    this.attn = this.selfAttention
      ? this.track(
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
        )
      : null;
    this.mlpNorm = this.track(new LayerNorm({ epsilon: this.epsilon, name: `${this.mlpName}_norm`, trainable }));
    const given = args.mlp;
    this.customMlp = given !== undefined;
    if (given === undefined) {
      this.mlp = this.track(new FeedForward({ hiddenDim: this.mlpDim as number, dropout: this.dropoutRate, name: this.mlpName, trainable }));
    } else {
      const layer = isSerializedLayer(given) ? deserializeLayer(where, given) : given;
      if (!(layer instanceof AitLayer)) throw new ConfigError(where, ['mlp: must be an AiT.js layer (an AitLayer), or its { className, config }']);
      if (layer.name !== this.mlpName) {
        throw new ConfigError(where, [`mlp: the layer is named "${layer.name}"; give it the block's mlpName "${this.mlpName}" (its weights are named after it)`]);
      }
      this.mlp = this.track(layer);
    }
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
    if (this.attn) this.buildChild(this.attn, tokens);
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
      const normed = this.callChild(this.attnNorm, x, kw);
      const a = this.attn ? this.callChild(this.attn, normed, kw) : normed;
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
    return this.attn?.lastAttentionWeights ?? null;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      headDim: this.headDim,
      ...(this.customMlp
        ? { mlp: { className: this.mlp.getClassName(), config: this.mlp.getConfig() }, mlpName: this.mlpName }
        : { mlpDim: this.mlpDim, ...(this.mlpName === 'mlp' ? {} : { mlpName: this.mlpName }) }),
      ...(this.selfAttention ? {} : { selfAttention: false }),
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
