import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  dropout,
  dropPath,
  LayerNorm,
  parseLayerConfig,
  PatchEmbedding,
  type AitLayer,
  type CallKwargs,
  type LayerArgsOf,
  type LayerConfigOf,
  type z,
} from '@ait/core';
import { MapRecorder } from '../blocks/map-recorder';
import { splitVisionInputs, splitVisionInputShapes, type VisionInputSpec } from '../blocks/vision-inputs';
import { VisionModel } from './vision-model';

/**
 * How the skeleton turns the blocks' tokens `[batch, N, D]` into one vector per example: `mean`
 * over the tokens, the `cls` token (the first), `head` when the head pools itself (the
 * `ClassificationHead` of ViT and AiT takes the tokens), or `family` when the family overrides
 * `pool` and `buildPooling` (the Set Transformer's `PMA_k` and decoder).
 */
export type Pooling = 'mean' | 'cls' | 'head' | 'family';

/**
 * The parts of a vision model, in the order of its forward pass. A family's constructor creates
 * them with `track` (in the order its weights are listed) and gives them to
 * {@link VisionModelSkeleton.assemble}; parts that depend on the number of tokens may be added in
 * {@link VisionModelSkeleton.prepare}.
 */
export interface VisionModelParts {
  /** Optional stem before the tokenizer: images -> feature maps `[batch, H', W', C']` (AiT's convolutional stem). */
  stem?: AitLayer | null;
  /** Images (or the stem's maps) -> tokens `[batch, N, D]`: a patch embedding, or the Perceiver's input array. */
  tokenizer: AitLayer;
  /** Questions `[batch, q]` -> one token `[batch, 1, D]`, put first (the Sort-of-CLEVR variant of AiT). */
  questionToken?: AitLayer | null;
  /** Prepends a learned CLS token: `[batch, N, D] -> [batch, N + 1, D]`. */
  classToken?: AitLayer | null;
  /** Adds position embeddings: `[batch, N, D] -> [batch, N, D]`. */
  positions?: AitLayer | null;
  /** Dropout rate on the tokens before the blocks; default 0. */
  tokenDropout?: number;
  /**
   * The family's blocks, called in order by the default {@link VisionModelSkeleton.runBlocks};
   * families whose blocks carry state or share weights override it instead.
   */
  blocks: readonly AitLayer[];
  /** Norm on the blocks' output tokens before pooling (AFT, the MLP-Mixers). */
  norm?: AitLayer | null;
  /** How the tokens become one vector per example. */
  pooling: Pooling;
  /** Norm on the pooled vector (the Perceiver). */
  pooledNorm?: AitLayer | null;
  /** Dropout rate on the pooled vector before the head; default 0. */
  headDropout?: number;
  /** Pooled vector `[batch, F]` (or the tokens, with pooling `head`) -> logits `[batch, classes]`. */
  head: AitLayer;
}

/** The shapes a family's build hooks get. */
export interface BuildShapes {
  /** The image batch `[batch, H, W, C]` the model is built for. */
  readonly images: Shape;
  /** The tokens `[batch, N, D]` that enter the blocks (after the question and class tokens). */
  readonly tokens: Shape;
}

/** A residual branch's regularisation: drop-path per example or dropout per element, at `rate` while training. */
export interface ResidualDrop {
  readonly kind: 'path' | 'dropout';
  readonly rate: number;
}

/**
 * A pre-norm pair of residual sub-layers, `x = x + drop(mixer(norm1(x)))` then
 * `x = x + drop(mlp(norm2(x)))`, whose four layers the model holds directly (so their weights are
 * named `<prefix>_norm1/...`, `<mixer name>/...`, as the AFT, MLP-Mixer and Coordination models
 * have always named them). {@link VisionModelSkeleton.trackPreNormPair} creates it,
 * {@link VisionModelSkeleton.preNormPair} runs it.
 */
export interface PreNormPair<M extends AitLayer = AitLayer, F extends AitLayer = AitLayer> {
  readonly norm1: LayerNorm;
  readonly mixer: M;
  readonly norm2: LayerNorm;
  readonly mlp: F;
}

/**
 * The one skeleton of every model of `@ait/vision`:
 *
 * `images [batch, H, W, C]` -> optional stem -> tokenizer (patch embedding) `[batch, N, D]` ->
 * optional question token (Sort-of-CLEVR) and class token in front -> optional position embedding
 * -> token dropout -> the family's stack of blocks -> optional norm -> pooling (`mean`, `cls`, the
 * head's own, or the family's) -> optional norm of the pooled vector -> dropout -> head -> logits
 * `[batch, classes]`.
 *
 * Where to read a model's forward pass: {@link VisionModelSkeleton.call} below is the whole pass;
 * a family's file says only what differs: its parts and hyper-parameters (its constructor, which
 * calls {@link VisionModelSkeleton.assemble}) and its blocks (the layers in `parts.blocks`, or its
 * override of {@link VisionModelSkeleton.runBlocks} when the blocks carry state such as the
 * Coordination memory or the Perceiver's latents). The input checks are written once too: every
 * model states its {@link VisionInputSpec}, and images that do not fit get an error naming the
 * fix. Weight names are `<model>/<part name>/...`, fixed by the names the family gives its parts.
 */
export abstract class VisionModelSkeleton<S extends z.ZodType = z.ZodType> extends VisionModel {
  /** The validated config (serialised by `getConfig`). */
  readonly config: LayerConfigOf<S>;
  /** The parts, set by {@link VisionModelSkeleton.assemble}. */
  protected parts!: VisionModelParts;
  /** What the inputs must look like, set by {@link VisionModelSkeleton.assemble}. */
  protected visionInputs!: VisionInputSpec;
  private numClasses = -1;
  /** Tokens per example the model was built for (entering the blocks); `-1` before build or when unknown. */
  private builtTokens = -1;

  private readonly modelKind: string;

  /**
   * Validates `args` against the family's `schema` (a `ConfigError` names every bad field) and
   * keeps the model's own options as {@link VisionModelSkeleton.config}; a config with
   * `recordMaps: true` gets a recorder that keeps the maps of each forward pass.
   *
   * @param kind The class name used in messages, e.g. `VisionTransformer`.
   * @param schema The family's config schema, with the tfjs layer arguments.
   * @param args The config and the tfjs layer arguments (name, trainable, ...).
   */
  protected constructor(kind: string, schema: S, args: LayerArgsOf<S>) {
    const config = parseLayerConfig(kind, schema, args);
    super(args);
    this.modelKind = kind;
    this.config = this.useConfig(config);
    if ((config as { recordMaps?: unknown }).recordMaps === true) this.recorder = new MapRecorder(true);
  }

  /** `<kind> '<name>'`, for messages. */
  protected get where(): string {
    return `${this.modelKind} '${this.name}'`;
  }

  /** Sets the model's input spec, number of classes and parts (call it once, from the constructor). */
  protected assemble(inputs: VisionInputSpec, classes: number, parts: VisionModelParts): void {
    this.visionInputs = inputs;
    this.numClasses = classes;
    this.parts = parts;
  }

  /**
   * Images `[batch, H, W, C]` (or `[images, questions [batch, q]]`) -> logits `[batch, classes]`:
   * the whole forward pass of every family (see the class documentation).
   */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const { images, questions } = splitVisionInputs(this.where, inputs, this.visionInputs);
    this.checkTokenCount(images.shape);
    const training = this.isTraining(kwargs);
    const kw: CallKwargs = { training };
    const p = this.parts;
    this.recorder.begin();
    return tf.tidy(() => {
      // tokens [batch, N, D]: stem and tokenizer, question and class tokens first, positions, dropout
      let x = this.callChild(p.tokenizer, p.stem ? this.callChild(p.stem, images, kw) : images, kw);
      if (p.questionToken) x = tf.concat([this.callChild(p.questionToken, questions as tf.Tensor, kw), x], 1);
      if (p.classToken) x = this.callChild(p.classToken, x, kw);
      if (p.positions) x = this.callChild(p.positions, x, kw);
      x = dropout(x, p.tokenDropout ?? 0, training);
      // the family's blocks
      x = this.runBlocks(x, kw);
      // one vector per example, then the head
      if (p.norm) x = this.callChild(p.norm, x, kw);
      let pooled = this.pool(x, kw);
      if (p.pooledNorm) pooled = this.callChild(p.pooledNorm, pooled, kw);
      return this.callChild(p.head, dropout(pooled, p.headDropout ?? 0, training), kw);
    });
  }

  /** Builds the parts in the order of the forward pass. */
  override build(inputShape: Shape | Shape[]): void {
    const { images, questions } = splitVisionInputShapes(this.where, inputShape, this.visionInputs);
    const p = this.parts;
    const features = p.stem ? this.buildPart(p.stem, images) : images;
    const [, patches, dim] = this.buildPart(p.tokenizer, features);
    let n = patches ?? null;
    if (p.questionToken) {
      this.buildChild(p.questionToken, questions as Shape);
      n = n === null ? null : n + 1;
    }
    if (p.classToken) {
      this.buildChild(p.classToken, [null, n, dim ?? null]);
      n = n === null ? null : n + 1;
    }
    const shapes: BuildShapes = { images, tokens: [null, n, dim ?? null] };
    this.builtTokens = n ?? -1;
    this.prepare(shapes);
    if (p.positions) this.buildChild(p.positions, shapes.tokens);
    let out = this.buildBlocks(shapes);
    if (p.norm) out = this.buildPart(p.norm, out);
    let pooled = this.buildPooling(out);
    if (p.pooledNorm) pooled = this.buildPart(p.pooledNorm, pooled);
    this.buildChild(p.head, pooled);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const { images } = splitVisionInputShapes(this.where, inputShape, this.visionInputs);
    return [images[0] ?? null, this.numClasses];
  }

  /** Creates the parts that depend on the number of tokens (`shapes.tokens[1]`); none by default. */
  protected prepare(_shapes: BuildShapes): void {
    // every part is created in the constructor by default
  }

  /** Builds the blocks for `shapes.tokens`; returns the shape of their output (by default the tokens'). */
  protected buildBlocks(shapes: BuildShapes): Shape {
    for (const block of this.parts.blocks) this.buildChild(block, shapes.tokens);
    return shapes.tokens;
  }

  /** The family's blocks, `[batch, N, D]` -> `[batch, N', D']`: by default each of `parts.blocks` in turn. */
  protected runBlocks(x: tf.Tensor, kw: CallKwargs): tf.Tensor {
    for (const block of this.parts.blocks) x = this.callChild(block, x, kw);
    return x;
  }

  /** Shape of the pooled vector for blocks' output `tokens`. */
  protected buildPooling(tokens: Shape): Shape {
    const { pooling } = this.parts;
    return pooling === 'head' || pooling === 'family' ? tokens : [null, tokens[tokens.length - 1] ?? null];
  }

  /** Tokens `[batch, N, D]` -> `[batch, D]` (`mean`, `cls`), or the tokens themselves (`head`; `family` overrides it). */
  protected pool(x: tf.Tensor, _kw: CallKwargs): tf.Tensor {
    if (this.parts.pooling === 'mean') return tf.mean(x, 1);
    if (this.parts.pooling === 'cls') return tf.squeeze(tf.slice(x, [0, 0, 0], [-1, 1, -1]), [1]);
    return x;
  }

  /** One pre-norm residual branch `x + drop(branch(norm(x)))`. */
  protected residual(x: tf.Tensor, norm: AitLayer, branch: (h: tf.Tensor) => tf.Tensor, kw: CallKwargs, drop: ResidualDrop): tf.Tensor {
    const y = branch(this.callChild(norm, x, kw));
    const training = kw.training === true;
    return tf.add(x, drop.kind === 'path' ? dropPath(y, drop.rate, training) : dropout(y, drop.rate, training));
  }

  /**
   * Tracks a {@link PreNormPair}: LayerNorms `<prefix>_norm1` and `<prefix>_norm2` (epsilon
   * `epsilon`) around the given `mixer` and `mlp` (which carry their own names), in the order
   * norm1, mixer, norm2, mlp.
   */
  protected trackPreNormPair<M extends AitLayer, F extends AitLayer>(prefix: string, mixer: M, mlp: F, epsilon = 1e-5): PreNormPair<M, F> {
    const trainable = this.trainable;
    return {
      norm1: this.track(new LayerNorm({ epsilon, name: `${prefix}_norm1`, trainable })),
      mixer: this.track(mixer),
      norm2: this.track(new LayerNorm({ epsilon, name: `${prefix}_norm2`, trainable })),
      mlp: this.track(mlp),
    };
  }

  /** Builds a {@link PreNormPair} for `tokens` (the mixer for `mixerShape`, by default the tokens'). */
  protected buildPreNormPair(pair: PreNormPair, tokens: Shape, mixerShape: Shape | Shape[] = tokens): void {
    this.buildChild(pair.norm1, tokens);
    this.buildChild(pair.mixer, mixerShape);
    this.buildChild(pair.norm2, tokens);
    this.buildChild(pair.mlp, tokens);
  }

  /**
   * Runs a {@link PreNormPair} on `x [batch, N, D]`: `x + drop(mix(norm1(x)))`, then
   * `x + drop(mlp(norm2(x)))`; `mix` is the mixer's call unless given.
   */
  protected preNormPair(
    x: tf.Tensor,
    pair: PreNormPair,
    kw: CallKwargs,
    drop: ResidualDrop,
    mix: (h: tf.Tensor) => tf.Tensor = (h) => this.callChild(pair.mixer, h, kw),
  ): tf.Tensor {
    const h = this.residual(x, pair.norm1, mix, kw, drop);
    return this.residual(h, pair.norm2, (m) => this.callChild(pair.mlp, m, kw), kw, drop);
  }

  /**
   * Tracks a patch embedding without its LayerNorms, `Linear(P*P*C, dim)` on each patch (the
   * tokenizer of AFT, Coordination, the Set Transformer and the MLP-Mixers).
   */
  protected trackLinearPatchEmbedding(patchSize: number, dim: number, name = 'patch_embed'): PatchEmbedding {
    return this.track(new PatchEmbedding({ patchSize, embedDim: dim, preNorm: false, postNorm: false, name, trainable: this.trainable }));
  }

  /** Builds `part` for `shape` and returns its output shape. */
  private buildPart(part: AitLayer, shape: Shape): Shape {
    this.buildChild(part, shape);
    return part.computeOutputShape(shape) as Shape;
  }

  /** Refuses images that give another number of tokens than a model whose `fixedBy` part was built for. */
  private checkTokenCount(imageShape: readonly number[]): void {
    const { fixedBy } = this.visionInputs;
    if (!fixedBy || this.builtTokens < 0) return;
    const p = this.parts;
    const shape: Shape = [...imageShape];
    const features = p.stem ? (p.stem.computeOutputShape(shape) as Shape) : shape;
    const extra = (p.questionToken ? 1 : 0) + (p.classToken ? 1 : 0);
    const n = ((p.tokenizer.computeOutputShape(features) as Shape)[1] ?? 0) + extra;
    if (n !== this.builtTokens) {
      const [, h, w] = imageShape;
      throw new Error(
        `${this.where}: the model was built for ${this.builtTokens} tokens (${fixedBy} fixes the number) but ` +
          `${h}x${w} images give ${n}; feed images of the size the model was built with, or create a new model.`,
      );
    }
  }
}
