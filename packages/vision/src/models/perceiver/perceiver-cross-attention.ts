import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  assertRank,
  FeedForward,
  knownDim,
  layerArgsShape,
  LayerNorm,
  MultiHeadAttention,
  rateSchema,
  z,
  type CallKwargs,
  type LayerArgsOf,
} from '@ait/core';
import { refineWith } from '../../blocks/config-checks';
import { VisionLayer } from '../../blocks/vision-layer';

const crossAttentionSchema = z
  .strictObject({
    ...layerArgsShape,
    /** Cross-attention heads (the Perceiver uses 1); they split the projection width (`attentionDim`, or the latent width). */
    numHeads: z.number().int().positive(),
    /**
     * Width of the query, key and value projections, split across the heads (the official code's
     * `qk_channels` = `v_channels`); the output projection maps it back to the latent width.
     * Default (null): the latent width. The Perceiver's ImageNet model uses the input array's width.
     */
    attentionDim: z.number().int().positive().nullish(),
    /** Hidden width of the feed-forward network. */
    mlpDim: z.number().int().positive(),
    /** Dropout on the attention output and inside the feed-forward network; default 0. */
    dropout: rateSchema.default(0),
  })
  .superRefine(
    refineWith((c: { numHeads: number; attentionDim?: number | null | undefined }) =>
      c.attentionDim != null && c.attentionDim % c.numHeads !== 0
        ? [
            {
              path: 'attentionDim',
              message: `attentionDim ${c.attentionDim} must be divisible by numHeads ${c.numHeads} (the heads split it).`,
            },
          ]
        : [],
    ),
  );

/** Options of {@link PerceiverCrossAttention} (each documented on the schema). */
export type PerceiverCrossAttentionArgs = LayerArgsOf<typeof crossAttentionSchema>;

/** What {@link PerceiverCrossAttention.attend} returns (owned by the caller). */
export interface CrossAttentionResult {
  /** Updated latents `[batch, latents, latentDim]`. */
  latents: tf.Tensor3D;
  /** Attention `[batch, heads, latents, inputs]`. */
  attention: tf.Tensor4D;
}

/**
 * The Perceiver's cross-attend block: the latent array queries the input array,
 * `z = z + CrossAttention(LN(z), LN(inputs))`, then `z = z + MLP(LN(z))`; the attention's
 * query, key and value projections are `attentionDim` wide (default the latent width). Inputs
 * `[latents [batch, L, latentDim], inputs [batch, N, inputDim]]`, output `[batch, L, latentDim]`.
 * Children: `latent_norm`, `input_norm`, `attention`, `mlp_norm`, `mlp`. Serialised as
 * `AitPerceiverCrossAttention`.
 */
export class PerceiverCrossAttention extends VisionLayer<typeof crossAttentionSchema> {
  /** tfjs serialisation name. */
  static className = 'AitPerceiverCrossAttention';
  private readonly latentNorm: LayerNorm;
  private readonly inputNorm: LayerNorm;
  private readonly attention: MultiHeadAttention;
  private readonly mlpNorm: LayerNorm;
  private readonly mlp: FeedForward;

  constructor(args: PerceiverCrossAttentionArgs) {
    super('PerceiverCrossAttention', crossAttentionSchema, args);
    const config = this.config;
    const trainable = this.trainable;
    this.latentNorm = this.track(new LayerNorm({ name: 'latent_norm', trainable }));
    this.inputNorm = this.track(new LayerNorm({ name: 'input_norm', trainable }));
    this.attention = this.track(
      new MultiHeadAttention({
        numHeads: config.numHeads,
        ...(config.attentionDim != null ? { headDim: config.attentionDim / config.numHeads } : {}),
        outputDropout: config.dropout,
        returnAttentionWeights: true,
        name: 'attention',
        trainable,
      }),
    );
    this.mlpNorm = this.track(new LayerNorm({ name: 'mlp_norm', trainable }));
    this.mlp = this.track(new FeedForward({ hiddenDim: config.mlpDim, dropout: config.dropout, name: 'mlp', trainable }));
  }

  private shapes(inputShape: Shape | Shape[]): [Shape, Shape] {
    const list = inputShape.length > 0 && Array.isArray(inputShape[0]) ? (inputShape as Shape[]) : [inputShape as Shape];
    if (list.length !== 2) throw new Error(`${this.where}: expects [latents, inputs], got ${list.length} inputs.`);
    return list as [Shape, Shape];
  }

  override build(inputShape: Shape | Shape[]): void {
    const [latents, inputs] = this.shapes(inputShape);
    assertRank(this.where, 'latents', { shape: latents }, [3], '[batch, latents, latentDim]');
    assertRank(this.where, 'inputs', { shape: inputs }, [3], '[batch, inputs, inputDim]');
    const latentDim = knownDim(this.where, 'latents', latents, -1);
    const inputDim = knownDim(this.where, 'inputs', inputs, -1);
    this.buildByCalling([
      [null, null, latentDim],
      [null, null, inputDim],
    ]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.shapes(inputShape)[0];
  }

  /** `latents [batch, L, latentDim]`, `inputs [batch, N, inputDim]` -> {@link CrossAttentionResult}. */
  attend(latents: tf.Tensor, inputs: tf.Tensor, kwargs: CallKwargs = {}): CrossAttentionResult {
    if (!this.built) throw new Error(`${this.where}: call the layer through apply() (or build it) first.`);
    const kw: CallKwargs = { training: this.isTraining(kwargs) };
    return tf.tidy(() => {
      const q = this.callChild(this.latentNorm, latents, kw);
      const kv = this.callChild(this.inputNorm, inputs, kw);
      const [a, attention] = this.prepareChild(this.attention, [q, kv]).call([q, kv], kw) as [tf.Tensor, tf.Tensor4D];
      const z = tf.add(latents, a);
      const out = tf.add(z, this.callChild(this.mlp, this.callChild(this.mlpNorm, z, kw), kw));
      return { latents: out as tf.Tensor3D, attention };
    });
  }

  /** `[latents, inputs] -> [batch, L, latentDim]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const list = Array.isArray(inputs) ? inputs : [inputs];
    if (list.length !== 2) throw new Error(`${this.where}: expects [latents, inputs], got ${list.length} inputs.`);
    const r = this.attend(list[0] as tf.Tensor, list[1] as tf.Tensor, kwargs);
    r.attention.dispose();
    return r.latents;
  }
}
tf.serialization.registerClass(PerceiverCrossAttention);
