import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  ConvStem,
  convStemOutputSize,
  LearnedPositionEmbedding,
  parseLayerConfig,
  PatchEmbedding,
  SinusoidalPositionEmbedding2d,
  type CallKwargs,
  type LayerArgsOf,
  type LayerConfigOf,
} from '@ait/core';
import { ClassificationHead } from '../../blocks/classification-head';
import { ClassToken } from '../../blocks/class-token';
import { QuestionTokenEmbedding } from '../../blocks/question-token-embedding';
import { splitVisionInputs, splitVisionInputShapes, type VisionInputSpec } from '../../blocks/vision-inputs';
import { VisionModel, type InternalMaps } from '../vision-model';
import { AitBlock } from './ait-block';
import { aitConfigSchema } from './ait-config';
import { pickGlobalWorkspaceOptions } from './global-workspace-layer';

/** Options of {@link AssociativeTransformer}: the model config plus tfjs layer arguments. */
export type AssociativeTransformerArgs = LayerArgsOf<typeof aitConfigSchema>;

/** The model's own config (validated, defaults filled in), without the tfjs layer arguments. */
export type AitModelConfig = LayerConfigOf<typeof aitConfigSchema>;

/**
 * The Associative Transformer (AiT; Sun et al., arXiv 2309.12862), as its reference code computes it:
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
 */
export class AssociativeTransformer extends VisionModel {
  /** tfjs serialisation name. */
  static className = 'AitAssociativeTransformer';
  /** The validated config (serialised by `getConfig`). */
  readonly config: AitModelConfig;
  private readonly stem: ConvStem | null;
  private readonly patchEmbed: PatchEmbedding;
  private readonly questionEmbed: QuestionTokenEmbedding | null;
  private readonly clsToken: ClassToken | null;
  private readonly posEmbed: LearnedPositionEmbedding | SinusoidalPositionEmbedding2d | null;
  /** The blocks, in order. */
  readonly blocks: readonly AitBlock[];
  private readonly head: ClassificationHead;
  private readonly spec: VisionInputSpec;

  constructor(args: AssociativeTransformerArgs = {}) {
    const c = parseLayerConfig('AssociativeTransformer', aitConfigSchema, args);
    // A fixed default name keeps weight names (`ait/block_0/...`) stable across processes.
    super({ ...args, name: args.name ?? 'ait' });
    this.config = this.useConfig(c);
    const trainable = this.trainable;
    const fixedBy =
      c.head === 'flatten'
        ? 'the flatten head'
        : c.positionEmbedding !== 'none'
          ? `the ${c.positionEmbedding} position embedding`
          : undefined;
    this.spec = {
      imageSize: fixedBy ? c.imageSize : null,
      channels: c.channels,
      questionDim: c.questionDim ?? null,
      ...(fixedBy ? { fixedBy } : {}),
    };
    this.stem = c.convStem.length > 0 ? this.track(new ConvStem({ channels: c.convStem, name: 'conv_stem', trainable })) : null;
    this.patchEmbed = this.track(new PatchEmbedding({ patchSize: c.patchSize, embedDim: c.dim, name: 'patch_embed', trainable }));
    this.questionEmbed =
      c.questionDim != null ? this.track(new QuestionTokenEmbedding({ embedDim: c.dim, name: 'question_embed', trainable })) : null;
    this.clsToken = c.head === 'cls' ? this.track(new ClassToken({ name: 'cls_token', trainable })) : null;
    const grid = this.gridSide;
    this.posEmbed =
      c.positionEmbedding === 'learned'
        ? this.track(new LearnedPositionEmbedding({ maxTokens: this.numTokens, name: 'pos_embed', trainable }))
        : c.positionEmbedding === 'sincos'
          ? this.track(
              new SinusoidalPositionEmbedding2d({
                gridHeight: grid,
                gridWidth: grid,
                prefixTokens: this.numTokens - grid * grid,
                name: 'pos_embed',
                trainable,
              }),
            )
          : null;
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
    this.head = this.track(new ClassificationHead({ kind: c.head, numClasses: c.classes, name: 'head', trainable }));
  }

  private get where(): string {
    return `AssociativeTransformer '${this.name}'`;
  }

  /** Patches per side for `imageSize` images (after the stem, if any). */
  get gridSide(): number {
    const c = this.config;
    return convStemOutputSize(c.imageSize, c.convStem.length) / c.patchSize;
  }

  /** Tokens per example for `imageSize` images: patches, plus the question and CLS tokens if any. */
  get numTokens(): number {
    const c = this.config;
    return this.gridSide ** 2 + (c.questionDim != null ? 1 : 0) + (c.head === 'cls' ? 1 : 0);
  }

  override build(inputShape: Shape | Shape[]): void {
    const { images, questions } = splitVisionInputShapes(this.where, inputShape, this.spec);
    const c = this.config;
    let features = images;
    if (this.stem) {
      this.buildChild(this.stem, images);
      features = this.stem.computeOutputShape(images) as Shape;
    }
    this.buildChild(this.patchEmbed, features);
    const side = (s: number | null | undefined): number | null => {
      const v = s ?? (this.spec.imageSize === null ? null : c.imageSize);
      return v === null ? null : convStemOutputSize(v, c.convStem.length);
    };
    const h = side(images[1]);
    const w = side(images[2]);
    let n = h !== null && w !== null ? (h / c.patchSize) * (w / c.patchSize) : null;
    if (this.questionEmbed) {
      this.buildChild(this.questionEmbed, questions as Shape);
      if (n !== null) n += 1;
    }
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

  /** `images [batch, H, W, C]` (or `[images, questions [batch, q]]`) -> logits `[batch, classes]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const { images, questions } = splitVisionInputs(this.where, inputs, this.spec);
    const kw: CallKwargs = { training: this.isTraining(kwargs) };
    return tf.tidy(() => {
      let x = this.callChild(this.patchEmbed, this.stem ? this.callChild(this.stem, images, kw) : images, kw);
      if (this.questionEmbed) x = tf.concat([this.callChild(this.questionEmbed, questions as tf.Tensor, kw), x], 1);
      if (this.clsToken) x = this.callChild(this.clsToken, x, kw);
      if (this.posEmbed) x = this.callChild(this.posEmbed, x, kw);
      for (const block of this.blocks) x = this.callChild(block, x, kw);
      return this.callChild(this.head, x, kw);
    });
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
