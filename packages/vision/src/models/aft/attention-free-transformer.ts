import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  Dense,
  dropPath,
  FeedForward,
  LayerNorm,
  LearnedPositionEmbedding,
  parseLayerConfig,
  PatchEmbedding,
  type CallKwargs,
  type LayerArgsOf,
} from '@ait/core';
import { assertPatchFits, imageInputShape, imageInputTensor } from '../../blocks/image-input';
import { MapRecorder } from '../../blocks/map-recorder';
import { VisionModel } from '../vision-model';
import { aftLayerSchema, type AftConfig } from './aft-config';
import { AftConvAttention } from './aft-conv-attention';
import { AftFullAttention } from './aft-full-attention';
import { AftSimpleAttention } from './aft-simple-attention';

/** Constructor arguments of {@link AttentionFreeTransformer}: its config plus tfjs layer arguments. */
export type AttentionFreeTransformerArgs = LayerArgsOf<typeof aftLayerSchema>;

type AftMixer = AftFullAttention | AftSimpleAttention | AftConvAttention;

interface AftBlock {
  norm1: LayerNorm;
  mixer: AftMixer;
  norm2: LayerNorm;
  mlp: FeedForward;
}

/**
 * Attention Free Transformer image classifier (Zhai et al. 2021): a pre-norm ViT / DeiT backbone
 * whose self-attention is replaced by an AFT token mixer. Images `[batch, H, W, C]` -> patches ->
 * `Linear(P*P*C, D)` (+ learned positions) -> `depth` blocks `x = x + AFT(LN(x))`,
 * `x = x + MLP(LN(x))` -> LN -> mean over tokens -> linear -> logits `[batch, classes]`.
 *
 * `variant`: `full` ({@link AftFullAttention}, position biases `u v^T`), `local` (the same with
 * the biases kept only inside a window of `windowSize` tokens), `simple` ({@link AftSimpleAttention},
 * no biases, O(T d)), `conv` ({@link AftConvAttention}, per-head 2-D kernels on the patch grid; the
 * paper uses it without position embedding). full / local fix the number of tokens.
 *
 * Internal maps (with `recordMaps`): `block{i}/position_bias` `[T, T]` (full, local) or
 * `block{i}/position_kernel` `[heads, s, s]` (conv). Serialised as `AitAttentionFreeTransformer`.
 */
export class AttentionFreeTransformer extends VisionModel {
  /** tfjs serialisation name. */
  static className = 'AitAttentionFreeTransformer';
  /** The validated config (serialised by `getConfig`). */
  readonly config: AftConfig;
  private readonly embed: PatchEmbedding;
  private positions: LearnedPositionEmbedding | null = null;
  private blocks: AftBlock[] = [];
  private readonly finalNorm: LayerNorm;
  private readonly head: Dense;

  constructor(args: AttentionFreeTransformerArgs) {
    const c = parseLayerConfig('AttentionFreeTransformer', aftLayerSchema, args);
    super(args);
    this.config = this.useConfig(c);
    const trainable = this.trainable;
    this.recorder = new MapRecorder(c.recordMaps);
    this.embed = this.track(
      new PatchEmbedding({ patchSize: c.patchSize, embedDim: c.dim, preNorm: false, postNorm: false, name: 'patch_embed', trainable }),
    );
    this.finalNorm = this.track(new LayerNorm({ name: 'final_norm', trainable }));
    this.head = this.track(new Dense({ units: c.classes, name: 'head', trainable }));
  }

  private get where(): string {
    return `AttentionFreeTransformer '${this.name}'`;
  }

  private createMixer(i: number, grid: [number, number]): AftMixer {
    const c = this.config;
    const common = { hiddenDim: c.hiddenDim, name: `block${i}_aft`, trainable: this.trainable };
    switch (c.variant) {
      case 'simple':
        return new AftSimpleAttention(common);
      case 'conv':
        return new AftConvAttention({ ...common, numHeads: c.convHeads, kernelSize: c.kernelSize, gridShape: grid });
      default:
        return new AftFullAttention({
          ...common,
          positionRank: c.positionRank,
          windowSize: c.variant === 'local' ? c.windowSize : null,
        });
    }
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = this.config;
    const shape = imageInputShape(this.where, inputShape, c);
    const [, height, width] = shape as [number | null, number, number];
    assertPatchFits(this.where, height, width, c.patchSize);
    const grid: [number, number] = [height / c.patchSize, width / c.patchSize];
    const tokens: Shape = [null, grid[0] * grid[1], c.dim];
    const trainable = this.trainable;
    this.buildChild(this.embed, shape);
    if (c.positionEmbedding === 'learned') {
      this.positions = this.track(new LearnedPositionEmbedding({ maxTokens: grid[0] * grid[1], name: 'positions', trainable }));
      this.buildChild(this.positions, tokens);
    }
    const mlpDim = Math.max(1, Math.round(c.mlpRatio * c.dim));
    this.blocks = Array.from({ length: c.depth }, (_, i) => ({
      norm1: this.track(new LayerNorm({ name: `block${i}_norm1`, trainable })),
      mixer: this.track(this.createMixer(i, grid)),
      norm2: this.track(new LayerNorm({ name: `block${i}_norm2`, trainable })),
      mlp: this.track(new FeedForward({ hiddenDim: mlpDim, dropout: c.dropout, name: `block${i}_mlp`, trainable })),
    }));
    for (const b of this.blocks) {
      this.buildChild(b.norm1, tokens);
      this.buildChild(b.mixer, tokens);
      this.buildChild(b.norm2, tokens);
      this.buildChild(b.mlp, tokens);
    }
    this.buildChild(this.finalNorm, tokens);
    this.buildChild(this.head, [null, c.dim]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = imageInputShape(this.where, inputShape, this.config);
    return [shape[0] ?? null, this.config.classes];
  }

  /** Images `[batch, H, W, C]` -> logits `[batch, classes]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const c = this.config;
    const { images, dims } = imageInputTensor(this.where, inputs, c);
    assertPatchFits(this.where, dims.height, dims.width, c.patchSize);
    const training = this.isTraining(kwargs);
    const kw: CallKwargs = { training };
    this.recorder.begin();
    return tf.tidy(() => {
      let x = this.callChild(this.embed, images, kw);
      if (this.positions) x = this.callChild(this.positions, x, kw);
      this.blocks.forEach((b, i) => {
        const a = this.callChild(b.mixer, this.callChild(b.norm1, x, kw), kw);
        x = tf.add(x, dropPath(a, c.dropPath, training));
        const m = this.callChild(b.mlp, this.callChild(b.norm2, x, kw), kw);
        x = tf.add(x, dropPath(m, c.dropPath, training));
        if (this.recorder.enabled) {
          if (b.mixer instanceof AftFullAttention) this.recorder.record(`block${i}/position_bias`, b.mixer.positionBiases());
          if (b.mixer instanceof AftConvAttention) this.recorder.record(`block${i}/position_kernel`, b.mixer.positionKernels());
        }
      });
      const pooled = tf.mean(this.callChild(this.finalNorm, x, kw), 1);
      return this.callChild(this.head, pooled, kw);
    });
  }
}
tf.serialization.registerClass(AttentionFreeTransformer);
