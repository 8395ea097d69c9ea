import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  dropout,
  LearnedPositionEmbedding,
  parseLayerConfig,
  PatchEmbedding,
  type CallKwargs,
  type LayerArgsOf,
  type LayerConfigOf,
} from '@ait/core';
import { ClassificationHead } from '../../blocks/classification-head';
import { ClassToken } from '../../blocks/class-token';
import { TransformerBlock } from '../../blocks/transformer-block';
import { splitVisionInputs, splitVisionInputShapes, type VisionInputSpec } from '../../blocks/vision-inputs';
import { VisionModel, type InternalMaps } from '../vision-model';
import { vitConfigSchema } from './vit-config';

/** Options of {@link VisionTransformer}: the model config plus tfjs layer arguments. */
export type VisionTransformerArgs = LayerArgsOf<typeof vitConfigSchema>;

/** The ViT's own config (validated, defaults filled in), without the tfjs layer arguments. */
export type VitModelConfig = LayerConfigOf<typeof vitConfigSchema>;

/**
 * The Vision Transformer (Dosovitskiy et al., ICLR 2021) as the AiT reference code builds it for
 * CIFAR: `images [batch, H, W, C]` -> patch embedding (`LN(P*P*C) -> Linear -> LN(D)`, child
 * `patch_embed`) -> CLS token (child `cls_token`, with `head: 'cls'`) -> learned position
 * embedding (child `pos_embed`) -> token dropout -> `depth` pre-norm {@link TransformerBlock}s
 * (children `block_0`, ...) -> head (child `head`: `cls` takes the CLS token, `flatten` is the
 * `LN(N*D) -> Linear` head of AiT's ViT comparison, `mean` pools) -> logits `[batch, classes]`.
 * Serialised as `AitViT`.
 */
export class VisionTransformer extends VisionModel {
  /** tfjs serialisation name. */
  static className = 'AitViT';
  /** The validated config (serialised by `getConfig`). */
  readonly config: VitModelConfig;
  private readonly patchEmbed: PatchEmbedding;
  private readonly clsToken: ClassToken | null;
  private readonly posEmbed: LearnedPositionEmbedding | null;
  /** The blocks, in order. */
  readonly blocks: readonly TransformerBlock[];
  private readonly head: ClassificationHead;
  private readonly spec: VisionInputSpec;

  constructor(args: VisionTransformerArgs = {}) {
    const c = parseLayerConfig('VisionTransformer', vitConfigSchema, args);
    // A fixed default name keeps weight names (`vit/block_0/...`) stable across processes.
    super({ ...args, name: args.name ?? 'vit' });
    this.config = this.useConfig(c);
    const trainable = this.trainable;
    const fixedBy =
      c.head === 'flatten' ? 'the flatten head' : c.positionEmbedding === 'learned' ? 'the learned position embedding' : undefined;
    this.spec = { imageSize: fixedBy ? c.imageSize : null, channels: c.channels, questionDim: null, ...(fixedBy ? { fixedBy } : {}) };
    this.patchEmbed = this.track(new PatchEmbedding({ patchSize: c.patchSize, embedDim: c.dim, name: 'patch_embed', trainable }));
    this.clsToken = c.head === 'cls' ? this.track(new ClassToken({ name: 'cls_token', trainable })) : null;
    this.posEmbed =
      c.positionEmbedding === 'learned'
        ? this.track(new LearnedPositionEmbedding({ maxTokens: this.numTokens, name: 'pos_embed', trainable }))
        : null;
    this.blocks = Array.from({ length: c.depth }, (_, i) =>
      this.track(
        new TransformerBlock({
          numHeads: c.numHeads,
          headDim: c.headDim,
          mlpDim: c.mlpDim,
          qkvBias: false,
          dropout: c.dropout,
          attentionDropout: c.attentionDropout,
          dropPath: c.dropPath,
          storeAttentionWeights: c.recordMaps,
          name: `block_${i}`,
          trainable,
        }),
      ),
    );
    this.head = this.track(new ClassificationHead({ kind: c.head, numClasses: c.classes, name: 'head', trainable }));
  }

  private get where(): string {
    return `VisionTransformer '${this.name}'`;
  }

  /** Tokens per example for `imageSize` images: patches plus the CLS token if any. */
  get numTokens(): number {
    const c = this.config;
    return (c.imageSize / c.patchSize) ** 2 + (c.head === 'cls' ? 1 : 0);
  }

  override build(inputShape: Shape | Shape[]): void {
    const { images } = splitVisionInputShapes(this.where, inputShape, this.spec);
    const c = this.config;
    this.buildChild(this.patchEmbed, images);
    const h = images[1] ?? (this.spec.imageSize === null ? null : c.imageSize);
    const w = images[2] ?? (this.spec.imageSize === null ? null : c.imageSize);
    let n = h !== null && w !== null ? (h / c.patchSize) * (w / c.patchSize) : null;
    if (this.clsToken) {
      this.buildChild(this.clsToken, [null, n, c.dim]);
      if (n !== null) n += 1;
    }
    const tokens: Shape = [null, n, c.dim];
    if (this.posEmbed) this.buildChild(this.posEmbed, tokens);
    for (const block of this.blocks) this.buildChild(block, tokens);
    this.buildChild(this.head, tokens);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const { images } = splitVisionInputShapes(this.where, inputShape, this.spec);
    return [images[0] ?? null, this.config.classes];
  }

  /** `images [batch, H, W, C]` -> logits `[batch, classes]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const { images } = splitVisionInputs(this.where, inputs, this.spec);
    const training = this.isTraining(kwargs);
    const kw: CallKwargs = { training };
    return tf.tidy(() => {
      let x = this.callChild(this.patchEmbed, images, kw);
      if (this.clsToken) x = this.callChild(this.clsToken, x, kw);
      if (this.posEmbed) x = this.callChild(this.posEmbed, x, kw);
      x = dropout(x, this.config.embedDropout, training);
      for (const block of this.blocks) x = this.callChild(block, x, kw);
      return this.callChild(this.head, x, kw);
    });
  }

  /**
   * Internal maps of the last forward pass (with `recordMaps: true`): `block{i}/attention`, the
   * self-attention weights `[batch, heads, tokens, tokens]` of block `i` (CLS token first).
   */
  override internalMaps(): InternalMaps {
    const maps: InternalMaps = {};
    this.blocks.forEach((block, i) => {
      const w = block.lastAttentionWeights;
      if (w) maps[`block${i}/attention`] = w;
    });
    return maps;
  }
}
tf.serialization.registerClass(VisionTransformer);
