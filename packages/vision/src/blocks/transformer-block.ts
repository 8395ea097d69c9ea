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
  parseLayerConfig,
  rateSchema,
  singleShape,
  singleTensor,
  z,
  type CallKwargs,
  type LayerArgsOf,
  type LayerConfigOf,
} from '@ait/core';

const transformerBlockSchema = z.strictObject({
  ...layerArgsShape,
  /** Self-attention heads. */
  numHeads: z.number().int().positive(),
  /** Width of each head; default `dim / numHeads` (the AiT and ViT reference code: 64). */
  headDim: z.number().int().positive().nullish(),
  /**
   * Hidden width of the default MLP, `Dense(dim -> mlpDim) -> GELU -> Dense(mlpDim -> dim)` (ViT-Base:
   * 3072). Give it, or a layer in `mlp`.
   */
  mlpDim: z.number().int().positive().optional(),
  /**
   * The layer in the MLP's place: any AiT.js layer mapping tokens `[batch, tokens, dim]` to
   * `[batch, tokens, dim]`, e.g. the AiT's `GlobalWorkspaceLayer` (timm's `Block(mlp_layer=...)`).
   * It becomes a child of the block, named `mlpName`; in a serialised config it is
   * `{ className, config }`.
   */
  mlp: z.custom<AitLayer | SerializedLayer>().optional(),
  /** Child name of the MLP (its norm is `<mlpName>_norm`); default `mlp` (AiT: `gwl`). */
  mlpName: z
    .string()
    .regex(/^[A-Za-z][\w-]*$/, 'must be a plain child-layer name such as "mlp" or "gwl"')
    .default('mlp'),
  /**
   * Whether the first sub-layer has its self-attention; default true. `false` is AiT's
   * `noSelfAttention` ablation as the reference code runs it: the attention inside the pre-norm
   * wrapper becomes the identity, so the first sub-layer computes `x + LN(x)`.
   */
  selfAttention: z.boolean().default(true),
  /** Whether the fused QKV projection has a bias; default false (as the reference code). */
  qkvBias: z.boolean().default(false),
  /** Dropout after the attention output projection and inside the default MLP; default 0. */
  dropout: rateSchema.default(0),
  /** Dropout on the attention weights; default 0. */
  attentionDropout: rateSchema.default(0),
  /** Stochastic depth (drop-path) rate on both residual branches; default 0. */
  dropPath: rateSchema.default(0),
  /** Epsilon of both LayerNorms; default 1e-5 (PyTorch). */
  epsilon: z.number().nonnegative().default(1e-5),
  /** Keep each call's attention weights for {@link TransformerBlock.lastAttentionWeights}; default false. */
  storeAttentionWeights: z.boolean().default(false),
});

/** A serialised layer: how a custom {@link TransformerBlockArgs.mlp} appears in the block's config. */
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
  if (!entry)
    throw new Error(`${where}: the MLP layer class "${value.className}" is not registered; import the package that defines it first.`);
  const [cls, fromConfig] = entry;
  const layer = fromConfig(cls, value.config) as unknown;
  if (!(layer instanceof AitLayer)) throw new Error(`${where}: the MLP layer class "${value.className}" is not an AiT.js layer.`);
  return layer;
}

/** Options of {@link TransformerBlock} (each documented on the schema). */
export type TransformerBlockArgs = LayerArgsOf<typeof transformerBlockSchema>;

/** The validated options of a {@link TransformerBlock}; a custom `mlp` is held as `{ className, config }`. */
export type TransformerBlockConfig = Omit<LayerConfigOf<typeof transformerBlockSchema>, 'mlp'> & { mlp?: SerializedLayer };

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
  /** The validated options (serialised by `getConfig`). */
  readonly config: TransformerBlockConfig;
  private readonly attnNorm: LayerNorm;
  private readonly attn: MultiHeadAttention | null;
  private readonly mlpNorm: LayerNorm;
  /** The MLP (a `FeedForward`, or the layer given as `mlp`). */
  protected readonly mlp: AitLayer;
  private dim = -1;

  constructor(args: TransformerBlockArgs) {
    const where = layerLabel('TransformerBlock', args);
    const cfg = parseLayerConfig('TransformerBlock', transformerBlockSchema, args);
    if ((cfg.mlpDim === undefined) === (cfg.mlp === undefined)) {
      throw new ConfigError(where, [
        cfg.mlp === undefined ? 'give mlpDim (the default MLP) or an mlp layer' : 'give mlpDim or mlp, not both',
      ]);
    }
    super(args);
    const trainable = this.trainable;
    this.attnNorm = this.track(new LayerNorm({ epsilon: cfg.epsilon, name: 'attn_norm', trainable }));
    this.attn = cfg.selfAttention
      ? this.track(
          new MultiHeadAttention({
            numHeads: cfg.numHeads,
            headDim: cfg.headDim ?? null,
            qkvBias: cfg.qkvBias,
            attentionDropout: cfg.attentionDropout,
            outputDropout: cfg.dropout,
            storeAttentionWeights: cfg.storeAttentionWeights,
            name: 'attn',
            trainable,
          }),
        )
      : null;
    this.mlpNorm = this.track(new LayerNorm({ epsilon: cfg.epsilon, name: `${cfg.mlpName}_norm`, trainable }));
    const given = cfg.mlp;
    if (given === undefined) {
      this.mlp = this.track(new FeedForward({ hiddenDim: cfg.mlpDim as number, dropout: cfg.dropout, name: cfg.mlpName, trainable }));
      this.config = this.useConfig({ ...cfg, mlp: undefined });
    } else {
      const layer = isSerializedLayer(given) ? deserializeLayer(where, given) : given;
      if (!(layer instanceof AitLayer))
        throw new ConfigError(where, ['mlp: must be an AiT.js layer (an AitLayer), or its { className, config }']);
      if (layer.name !== cfg.mlpName) {
        throw new ConfigError(where, [
          `mlp: the layer is named "${layer.name}"; give it the block's mlpName "${cfg.mlpName}" (its weights are named after it)`,
        ]);
      }
      this.mlp = this.track(layer);
      this.config = this.useConfig({ ...cfg, mlp: { className: layer.getClassName(), config: layer.getConfig() } });
    }
  }

  private get where(): string {
    return `TransformerBlock '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    assertRank(this.where, 'x', { shape }, [3], '[batch, tokens, dim]');
    this.dim = knownDim(this.where, 'x', shape, -1);
    this.buildByCalling([null, null, this.dim]);
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
      const h = tf.add(x, dropPath(a, this.config.dropPath, training));
      const m = this.callChild(this.mlp, this.callChild(this.mlpNorm, h, kw), kw);
      return tf.add(h, dropPath(m, this.config.dropPath, training));
    });
  }

  /**
   * Attention weights `[batch, heads, tokens, tokens]` of the last call when
   * `storeAttentionWeights` is on, else `null`; owned by the block (valid until its next call).
   */
  get lastAttentionWeights(): tf.Tensor4D | null {
    return this.attn?.lastAttentionWeights ?? null;
  }
}
tf.serialization.registerClass(TransformerBlock);
