import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { Dense, FeedForward, LayerNorm, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { imageClassifierInputSpec } from '../../blocks/image-classifier-options';
import { VisionModelSkeleton, type BuildShapes, type PreNormPair } from '../vision-model-skeleton';
import { mlpMixerLayerSchema } from './mlp-mixer-config';

/** Constructor arguments of {@link MlpMixer}: its config plus tfjs layer arguments. */
export type MlpMixerArgs = LayerArgsOf<typeof mlpMixerLayerSchema>;

/** One Mixer layer: the token-mixing MLP is the pair's mixer, the channel-mixing MLP its MLP. */
type MixerLayer = PreNormPair<FeedForward, FeedForward>;

/**
 * MLP-Mixer (Tolstikhin et al. 2021) on the {@link VisionModelSkeleton}: images `[batch, H, W, C]` -> per-patch linear embedding
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
export class MlpMixer extends VisionModelSkeleton<typeof mlpMixerLayerSchema> {
  /** tfjs serialisation name. */
  static className = 'AitMlpMixer';
  private readonly mixerLayers: MixerLayer[];

  constructor(args: MlpMixerArgs) {
    super('MlpMixer', mlpMixerLayerSchema, args);
    const c = this.config;
    const trainable = this.trainable;
    const tokenizer = this.trackLinearPatchEmbedding(c.patchSize, c.dim, 'stem');
    this.mixerLayers = Array.from({ length: c.depth }, (_, i) =>
      this.trackPreNormPair(
        `layer${i}`,
        new FeedForward({ hiddenDim: c.tokenMlpDim, dropout: c.dropout, name: `layer${i}_token_mlp`, trainable }),
        new FeedForward({ hiddenDim: c.channelMlpDim, dropout: c.dropout, name: `layer${i}_channel_mlp`, trainable }),
        1e-6,
      ),
    );
    const norm = this.track(new LayerNorm({ epsilon: 1e-6, name: 'final_norm', trainable }));
    const head = this.track(new Dense({ units: c.classes, kernelInitializer: 'zeros', name: 'head', trainable }));
    this.assemble(imageClassifierInputSpec(c, 'the token-mixing MLP'), c.classes, { tokenizer, blocks: [], norm, pooling: 'mean', head });
  }

  /** Builds the layers; the token-mixing MLPs run across the tokens (`[batch, dim, tokens]`). */
  protected override buildBlocks(shapes: BuildShapes): Shape {
    const tokens = shapes.tokens[1] as number;
    for (const l of this.mixerLayers) this.buildPreNormPair(l, shapes.tokens, [null, this.config.dim, tokens]);
    return shapes.tokens;
  }

  /** `depth` Mixer layers, `X = X + dropPath(MLP_tok(LN(X)^T)^T)`, `X = X + dropPath(MLP_ch(LN(X)))`. */
  protected override runBlocks(x: tf.Tensor, kw: CallKwargs): tf.Tensor {
    const drop = { kind: 'path', rate: this.config.dropPath } as const;
    this.mixerLayers.forEach((l, i) => {
      x = this.preNormPair(x, l, kw, drop, (h) => tf.transpose(this.callChild(l.mixer, tf.transpose(h, [0, 2, 1]), kw), [0, 2, 1]));
      if (this.recorder.enabled) {
        const [k1, , k2] = l.mixer.getWeights();
        this.recorder.record(`layer${i}/token_mixing`, tf.matMul(k1 as tf.Tensor2D, k2 as tf.Tensor2D));
      }
    });
    return x;
  }
}
tf.serialization.registerClass(MlpMixer);
