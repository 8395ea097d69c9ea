import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { Dense, dropPath, FeedForward, LayerNorm, parseLayerConfig, PatchEmbedding, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { assertPatchFits, imageInputShape, imageInputTensor } from '../../blocks/image-input';
import { MapRecorder } from '../../blocks/map-recorder';
import { VisionModel } from '../vision-model';
import { mlpMixerLayerSchema, type MlpMixerConfig } from './mlp-mixer-config';

/** Constructor arguments of {@link MlpMixer}: its config plus tfjs layer arguments. */
export type MlpMixerArgs = LayerArgsOf<typeof mlpMixerLayerSchema>;

interface MixerLayer {
  norm1: LayerNorm;
  tokenMlp: FeedForward;
  norm2: LayerNorm;
  channelMlp: FeedForward;
}

/**
 * MLP-Mixer (Tolstikhin et al. 2021): images `[batch, H, W, C]` -> per-patch linear embedding
 * `[batch, S, dim]` -> `depth` Mixer layers, each `X = X + (MLP_tok(LN(X)^T))^T` (the token-mixing
 * MLP runs across the S patches, shared by all channels) then `X = X + MLP_ch(LN(X))` -> LN ->
 * global average pooling -> linear head (zero-initialised, as the paper) -> logits `[batch, classes]`.
 * The MLPs are `Dense -> GELU -> Dense` with biases; LayerNorm epsilon 1e-6. The token MLP fixes S,
 * so the model takes images of one size.
 *
 * Internal maps (with `recordMaps`): `layer{i}/token_mixing` `[S, S]`, the product of the
 * token-mixing MLP's two kernels `W1 W2` (its linear part, for visualising which patches mix).
 * Serialised as `AitMlpMixer`.
 */
export class MlpMixer extends VisionModel {
  /** tfjs serialisation name. */
  static className = 'AitMlpMixer';
  /** The validated config (serialised by `getConfig`). */
  readonly config: MlpMixerConfig;
  private readonly embed: PatchEmbedding;
  private readonly mixerLayers: MixerLayer[];
  private readonly finalNorm: LayerNorm;
  private readonly head: Dense;
  private tokens = -1;

  constructor(args: MlpMixerArgs) {
    const c = parseLayerConfig('MlpMixer', mlpMixerLayerSchema, args);
    super(args);
    this.config = this.useConfig(c);
    const trainable = this.trainable;
    this.recorder = new MapRecorder(c.recordMaps);
    this.embed = this.track(
      new PatchEmbedding({ patchSize: c.patchSize, embedDim: c.dim, preNorm: false, postNorm: false, name: 'stem', trainable }),
    );
    this.mixerLayers = Array.from({ length: c.depth }, (_, i) => ({
      norm1: this.track(new LayerNorm({ epsilon: 1e-6, name: `layer${i}_norm1`, trainable })),
      tokenMlp: this.track(new FeedForward({ hiddenDim: c.tokenMlpDim, dropout: c.dropout, name: `layer${i}_token_mlp`, trainable })),
      norm2: this.track(new LayerNorm({ epsilon: 1e-6, name: `layer${i}_norm2`, trainable })),
      channelMlp: this.track(new FeedForward({ hiddenDim: c.channelMlpDim, dropout: c.dropout, name: `layer${i}_channel_mlp`, trainable })),
    }));
    this.finalNorm = this.track(new LayerNorm({ epsilon: 1e-6, name: 'final_norm', trainable }));
    this.head = this.track(new Dense({ units: c.classes, kernelInitializer: 'zeros', name: 'head', trainable }));
  }

  private get where(): string {
    return `MlpMixer '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = this.config;
    const shape = imageInputShape(this.where, inputShape, c);
    const [, height, width] = shape as [number | null, number, number];
    assertPatchFits(this.where, height, width, c.patchSize);
    this.tokens = (height / c.patchSize) * (width / c.patchSize);
    const rows: Shape = [null, this.tokens, c.dim];
    this.buildChild(this.embed, shape);
    for (const l of this.mixerLayers) {
      this.buildChild(l.norm1, rows);
      this.buildChild(l.tokenMlp, [null, c.dim, this.tokens]);
      this.buildChild(l.norm2, rows);
      this.buildChild(l.channelMlp, rows);
    }
    this.buildChild(this.finalNorm, rows);
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
    const tokens = (dims.height / c.patchSize) * (dims.width / c.patchSize);
    if (tokens !== this.tokens) {
      throw new Error(
        `${this.where}: the token-mixing MLPs were built for ${this.tokens} patches but ${dims.height}x${dims.width} ` +
          `images give ${tokens}; MLP-Mixer takes images of the size it was built with (resize them, or create a new model).`,
      );
    }
    const training = this.isTraining(kwargs);
    const kw: CallKwargs = { training };
    this.recorder.begin();
    return tf.tidy(() => {
      let x = this.callChild(this.embed, images, kw);
      this.mixerLayers.forEach((l, i) => {
        const t = tf.transpose(this.callChild(l.norm1, x, kw), [0, 2, 1]);
        const mixed = tf.transpose(this.callChild(l.tokenMlp, t, kw), [0, 2, 1]);
        x = tf.add(x, dropPath(mixed, c.dropPath, training));
        const ch = this.callChild(l.channelMlp, this.callChild(l.norm2, x, kw), kw);
        x = tf.add(x, dropPath(ch, c.dropPath, training));
        if (this.recorder.enabled) {
          const [k1, , k2] = l.tokenMlp.getWeights();
          this.recorder.record(`layer${i}/token_mixing`, tf.matMul(k1 as tf.Tensor2D, k2 as tf.Tensor2D));
        }
      });
      const pooled = tf.mean(this.callChild(this.finalNorm, x, kw), 1);
      return this.callChild(this.head, pooled, kw);
    });
  }
}
tf.serialization.registerClass(MlpMixer);
