import * as tf from '@tensorflow/tfjs-core';
import { PatchEmbedding, type LayerArgsOf, type LayerConfigOf } from '@ait/core';
import { ClassificationHead } from '../../blocks/classification-head';
import { ClassToken } from '../../blocks/class-token';
import { QuestionTokenEmbedding } from '../../blocks/question-token-embedding';
import { tokenHeadInputSpec } from '../../blocks/vision-inputs';
import type { InternalMaps } from '../vision-model';
import { VisionModelSkeleton } from '../vision-model-skeleton';
import { createConvStem, createPositionEmbedding, tokenGridSide } from '../token-grid';
import { AitBlock } from './ait-block';
import { aitConfigSchema } from './ait-config';
import { pickGlobalWorkspaceOptions } from './global-workspace-layer';

/** Options of {@link AssociativeTransformer}: the model config plus tfjs layer arguments. */
export type AssociativeTransformerArgs = LayerArgsOf<typeof aitConfigSchema>;

/** The model's own config (validated, defaults filled in), without the tfjs layer arguments. */
export type AitModelConfig = LayerConfigOf<typeof aitConfigSchema>;

/**
 * The Associative Transformer (AiT; Sun et al., arXiv 2309.12862), as its reference code computes it,
 * on the {@link VisionModelSkeleton}:
 *
 * `images [batch, H, W, C]` -> optional convolutional stem (`convStem` channels, child
 * `conv_stem`) -> patch embedding (channel-innermost flattening,
 * `LN(P*P*C) -> Linear -> LN(D)`, child `patch_embed`) -> optional question token (Sort-of-CLEVR,
 * `LN(q) -> Linear -> LN(D)`, prepended, child `question_embed`) -> optional CLS token and learned
 * position embedding (learned or fixed 2-D sine-cosine) -> `depth` {@link AitBlock}s (the ViT's pre-norm
 * transformer block with the global workspace layer in the MLP's place, children `block_0`, ...) -> head (`flatten`: `LN(N*D) -> Linear`, the reference; or `mean` / `cls`; child
 * `head`) -> logits `[batch, classes]`. With a question token the input is
 * `[images, questions [batch, questionDim]]`.
 *
 * Every forward pass updates the memory of each block in 'ema' mode (see
 * {@link GlobalWorkspaceLayer}); the balance losses are reported with `addAuxLoss` while training,
 * so the `@ait/core` Trainer adds them to the cross-entropy. `getConfig()` returns the whole config.
 * Serialised as `AitAssociativeTransformer`.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend } from '@ait/core';
 * import { AssociativeTransformer } from '@ait/vision';
 *
 * await initBackend({ backend: 'cpu' });
 * // options left out keep their defaults (aitConfigSchema: the reference code's AiT-Small)
 * const model = new AssociativeTransformer({
 *   imageSize: 32, patchSize: 8, dim: 64, numHeads: 4, headDim: 16, mlpDim: 128, memorySlots: 8, topK: 8,
 * });
 * const logits = model.apply(tf.randomNormal([4, 32, 32, 3])) as tf.Tensor; // [4, 10]
 * ```
 */
export class AssociativeTransformer extends VisionModelSkeleton<typeof aitConfigSchema> {
  /** tfjs serialisation name. */
  static className = 'AitAssociativeTransformer';
  /** The blocks, in order. */
  readonly blocks: readonly AitBlock[];

  constructor(args: AssociativeTransformerArgs = {}) {
    // A fixed default name keeps weight names (`ait/block_0/...`) stable across processes.
    super('AssociativeTransformer', aitConfigSchema, { ...args, name: args.name ?? 'ait' });
    const c = this.config;
    const trainable = this.trainable;
    const convStem = createConvStem(c.convStem, trainable);
    const stem = convStem ? this.track(convStem) : null;
    const tokenizer = this.track(new PatchEmbedding({ patchSize: c.patchSize, embedDim: c.dim, name: 'patch_embed', trainable }));
    const questionToken =
      c.questionDim != null ? this.track(new QuestionTokenEmbedding({ embedDim: c.dim, name: 'question_embed', trainable })) : null;
    const classToken = c.head === 'cls' ? this.track(new ClassToken({ name: 'cls_token', trainable })) : null;
    const positionEmbedding = createPositionEmbedding(c.positionEmbedding, this.numTokens, this.gridSide, trainable);
    const positions = positionEmbedding ? this.track(positionEmbedding) : null;
    const workspace = pickGlobalWorkspaceOptions(c);
    this.blocks = Array.from({ length: c.depth }, (_, i) =>
      this.track(
        new AitBlock({
          numHeads: c.numHeads,
          headDim: c.headDim,
          dropout: c.dropout,
          noSelfAttention: c.ablation.noSelfAttention,
          storeAttentionWeights: c.recordMaps,
          workspace,
          name: `block_${i}`,
          trainable,
        }),
      ),
    );
    const head = this.track(new ClassificationHead({ kind: c.head, numClasses: c.classes, name: 'head', trainable }));
    this.assemble(tokenHeadInputSpec(c, true), c.classes, {
      stem,
      tokenizer,
      questionToken,
      classToken,
      positions,
      blocks: this.blocks,
      pooling: 'head',
      head,
    });
  }

  /** Patches per side for `imageSize` images (after the stem, if any). */
  get gridSide(): number {
    return tokenGridSide(this.config);
  }

  /** Tokens per example for `imageSize` images: patches, plus the question and CLS tokens if any. */
  get numTokens(): number {
    const c = this.config;
    return this.gridSide ** 2 + (c.questionDim != null ? 1 : 0) + (c.head === 'cls' ? 1 : 0);
  }

  /**
   * Internal maps of the last forward pass (with `recordMaps: true`), per block `i`:
   * `block{i}/attention` (self-attention `[batch, heads, tokens, tokens]`), `block{i}/gwl/gate`
   * (bottleneck gates per head and slot, `[heads, M, batch * tokens]` or `[batch, heads, M, tokens]`
   * per sample), `block{i}/gwl/selection`, `block{i}/gwl/priors`, `block{i}/gwl/written_priors`
   * and `block{i}/gwl/hopfield` (Hopfield associations `[batch, tokens, M]`).
   */
  override internalMaps(): InternalMaps {
    const maps: InternalMaps = {};
    this.blocks.forEach((block, i) => Object.assign(maps, block.internalMaps(`block${i}/`)));
    return maps;
  }

  /**
   * The default config (the tfjs layer arguments and {@link AssociativeTransformer.config}) with the
   * unset optional widths `questionDim` and `hopfieldHeadDim` written as `null`: "the whole config"
   * names every option, as the `model.json` files written so far do.
   */
  override getConfig(): tf.serialization.ConfigDict {
    const c = this.config;
    return { ...super.getConfig(), questionDim: c.questionDim ?? null, hopfieldHeadDim: c.hopfieldHeadDim ?? null };
  }
}
tf.serialization.registerClass(AssociativeTransformer);
