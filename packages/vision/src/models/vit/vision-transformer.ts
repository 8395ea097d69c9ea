import * as tf from '@tensorflow/tfjs-core';
import { PatchEmbedding, type LayerArgsOf, type LayerConfigOf } from '@ait/core';
import { ClassificationHead } from '../../blocks/classification-head';
import { ClassToken } from '../../blocks/class-token';
import { QuestionTokenEmbedding } from '../../blocks/question-token-embedding';
import { TransformerBlock } from '../../blocks/transformer-block';
import { tokenHeadInputSpec } from '../../blocks/vision-inputs';
import type { InternalMaps } from '../vision-model';
import { VisionModelSkeleton } from '../vision-model-skeleton';
import { createConvStem, createPositionEmbedding, tokenGridSide } from '../token-grid';
import { vitConfigSchema } from './vit-config';

/** Options of {@link VisionTransformer}: the model config plus tfjs layer arguments. */
export type VisionTransformerArgs = LayerArgsOf<typeof vitConfigSchema>;

/** The ViT's own config (validated, defaults filled in), without the tfjs layer arguments. */
export type VitModelConfig = LayerConfigOf<typeof vitConfigSchema>;

/**
 * The Vision Transformer (Dosovitskiy et al., ICLR 2021) as the AiT reference code builds it for
 * CIFAR, on the {@link VisionModelSkeleton}: `images [batch, H, W, C]` -> optional convolutional
 * stem (`convStem` channels, child `conv_stem`, as AiT's: a ViT with the tokenizer of
 * `ait-tiny-conv`) -> patch embedding (`LN(P*P*C) -> Linear -> LN(D)`, either norm optional, child
 * `patch_embed`) -> optional question token (Sort-of-CLEVR, `LN(q) -> Linear -> LN(D)`, prepended,
 * child `question_embed`) -> CLS token (child `cls_token`, with `head: 'cls'`) -> position
 * embedding (learned, or fixed 2-D sine-cosine over the patches; child `pos_embed`) -> token dropout -> `depth`
 * pre-norm {@link TransformerBlock}s (children `block_0`, ...) -> head (child `head`: `cls` takes
 * the CLS token, `flatten` is the `LN(N*D) -> Linear` head of AiT's ViT comparison, `mean` pools)
 * -> logits `[batch, classes]`. With a question token the input is `[images, questions [batch, questionDim]]`.
 * Serialised as `AitViT`.
 */
export class VisionTransformer extends VisionModelSkeleton<typeof vitConfigSchema> {
  /** tfjs serialisation name. */
  static className = 'AitViT';
  /** The blocks, in order. */
  readonly blocks: readonly TransformerBlock[];

  constructor(args: VisionTransformerArgs = {}) {
    // A fixed default name keeps weight names (`vit/block_0/...`) stable across processes.
    super('VisionTransformer', vitConfigSchema, { ...args, name: args.name ?? 'vit' });
    const c = this.config;
    const trainable = this.trainable;
    const convStem = createConvStem(c.convStem, trainable);
    const stem = convStem ? this.track(convStem) : null;
    const tokenizer = this.track(
      new PatchEmbedding({
        patchSize: c.patchSize,
        embedDim: c.dim,
        preNorm: c.patchPreNorm,
        postNorm: c.patchPostNorm,
        epsilon: c.layerNormEpsilon,
        name: 'patch_embed',
        trainable,
      }),
    );
    const questionToken =
      c.questionDim != null
        ? this.track(new QuestionTokenEmbedding({ embedDim: c.dim, epsilon: c.layerNormEpsilon, name: 'question_embed', trainable }))
        : null;
    const classToken = c.head === 'cls' ? this.track(new ClassToken({ name: 'cls_token', trainable })) : null;
    const positionEmbedding = createPositionEmbedding(c.positionEmbedding, this.numTokens, this.gridSide, trainable);
    const positions = positionEmbedding ? this.track(positionEmbedding) : null;
    this.blocks = Array.from({ length: c.depth }, (_, i) =>
      this.track(
        new TransformerBlock({
          numHeads: c.numHeads,
          headDim: c.headDim,
          mlpDim: c.mlpDim,
          qkvBias: c.qkvBias,
          epsilon: c.layerNormEpsilon,
          dropout: c.dropout,
          attentionDropout: c.attentionDropout,
          dropPath: c.dropPath,
          storeAttentionWeights: c.recordMaps,
          name: `block_${i}`,
          trainable,
        }),
      ),
    );
    const head = this.track(
      new ClassificationHead({ kind: c.head, numClasses: c.classes, epsilon: c.layerNormEpsilon, name: 'head', trainable }),
    );
    this.assemble(tokenHeadInputSpec(c, true), c.classes, {
      stem,
      tokenizer,
      questionToken,
      classToken,
      positions,
      tokenDropout: c.embedDropout,
      blocks: this.blocks,
      pooling: 'head',
      head,
    });
  }

  /** Patches per side for `imageSize` images (after the stem, if any). */
  get gridSide(): number {
    return tokenGridSide(this.config);
  }

  /** Tokens per example for `imageSize` images: patches plus the question and CLS tokens if any. */
  get numTokens(): number {
    const c = this.config;
    return this.gridSide ** 2 + (c.questionDim != null ? 1 : 0) + (c.head === 'cls' ? 1 : 0);
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
