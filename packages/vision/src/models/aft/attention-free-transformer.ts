import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { Dense, FeedForward, LayerNorm, LearnedPositionEmbedding, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { imageClassifierInputSpec } from '../../blocks/image-classifier-options';
import { VisionModelSkeleton, type BuildShapes, type PreNormPair } from '../vision-model-skeleton';
import { aftLayerSchema } from './aft-config';
import { AftConvAttention } from './aft-conv-attention';
import { AftFullAttention } from './aft-full-attention';
import { AftSimpleAttention } from './aft-simple-attention';

/** Constructor arguments of {@link AttentionFreeTransformer}: its config plus tfjs layer arguments. */
export type AttentionFreeTransformerArgs = LayerArgsOf<typeof aftLayerSchema>;

type AftMixer = AftFullAttention | AftSimpleAttention | AftConvAttention;

type AftBlock = PreNormPair<AftMixer, FeedForward>;

/**
 * Attention Free Transformer image classifier (Zhai et al. 2021) on the {@link VisionModelSkeleton}:
 * a pre-norm ViT / DeiT backbone whose self-attention is replaced by an AFT token mixer. Images `[batch, H, W, C]` -> patches ->
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
export class AttentionFreeTransformer extends VisionModelSkeleton<typeof aftLayerSchema> {
  /** tfjs serialisation name. */
  static className = 'AitAttentionFreeTransformer';
  private blocks: AftBlock[] = [];

  constructor(args: AttentionFreeTransformerArgs) {
    super('AttentionFreeTransformer', aftLayerSchema, args);
    const c = this.config;
    const trainable = this.trainable;
    const tokenizer = this.trackLinearPatchEmbedding(c.patchSize, c.dim);
    const norm = this.track(new LayerNorm({ name: 'final_norm', trainable }));
    const head = this.track(new Dense({ units: c.classes, name: 'head', trainable }));
    this.assemble(imageClassifierInputSpec(c), c.classes, { tokenizer, blocks: [], norm, pooling: 'mean', head });
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

  /** The learned positions (child `positions`) and the blocks, sized for the patch grid of the first input. */
  protected override prepare(shapes: BuildShapes): void {
    const c = this.config;
    const [, height, width] = shapes.images as [number | null, number, number];
    const grid: [number, number] = [height / c.patchSize, width / c.patchSize];
    const trainable = this.trainable;
    if (c.positionEmbedding === 'learned') {
      this.parts.positions = this.track(new LearnedPositionEmbedding({ maxTokens: grid[0] * grid[1], name: 'positions', trainable }));
    }
    const mlpDim = Math.max(1, Math.round(c.mlpRatio * c.dim));
    this.blocks = Array.from({ length: c.depth }, (_, i) =>
      this.trackPreNormPair(
        `block${i}`,
        this.createMixer(i, grid),
        new FeedForward({ hiddenDim: mlpDim, dropout: c.dropout, name: `block${i}_mlp`, trainable }),
      ),
    );
  }

  protected override buildBlocks(shapes: BuildShapes): Shape {
    for (const b of this.blocks) this.buildPreNormPair(b, shapes.tokens);
    return shapes.tokens;
  }

  /** `depth` blocks `x = x + dropPath(AFT(LN(x)))`, `x = x + dropPath(MLP(LN(x)))`, recording the position biases. */
  protected override runBlocks(x: tf.Tensor, kw: CallKwargs): tf.Tensor {
    const drop = { kind: 'path', rate: this.config.dropPath } as const;
    this.blocks.forEach((b, i) => {
      x = this.preNormPair(x, b, kw, drop);
      if (this.recorder.enabled) {
        if (b.mixer instanceof AftFullAttention) this.recorder.record(`block${i}/position_bias`, b.mixer.positionBiases());
        if (b.mixer instanceof AftConvAttention) this.recorder.record(`block${i}/position_kernel`, b.mixer.positionKernels());
      }
    });
    return x;
  }
}
tf.serialization.registerClass(AttentionFreeTransformer);
