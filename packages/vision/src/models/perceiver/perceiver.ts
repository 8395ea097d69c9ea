import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { createKernelInitializer, Dense, LayerNorm, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { imageClassifierInputSpec } from '../../blocks/image-classifier-options';
import { TransformerBlock } from '../../blocks/transformer-block';
import { VisionModelSkeleton, type BuildShapes } from '../vision-model-skeleton';
import { PerceiverCrossAttention } from './perceiver-cross-attention';
import { perceiverCrossAttentionDim, perceiverLayerSchema } from './perceiver-config';
import { PerceiverInputArray } from './perceiver-input-array';

/** Constructor arguments of {@link Perceiver}: its config plus tfjs layer arguments. */
export type PerceiverArgs = LayerArgsOf<typeof perceiverLayerSchema>;

/**
 * Perceiver classifier (Jaegle et al., ICML 2021) on the {@link VisionModelSkeleton}: images
 * `[batch, H, W, C]` -> input array of pixels (or `patchSize` patches) with Fourier position
 * features concatenated ({@link PerceiverInputArray}, child `input_array`) -> a learned latent array `[latents, latentDim]` that, in each
 * of `repeats` rounds, cross-attends to the input array ({@link PerceiverCrossAttention}) and runs
 * `latentLayers` pre-norm self-attention blocks -> mean over latents -> LN -> linear -> logits
 * `[batch, classes]`. Cost grows linearly with the number of inputs. The cross-attention projects
 * to the latent width or, with `crossAttentionWidth: 'input'`, to the input array's. With `weightSharing` the
 * cross-attends after the first share weights and all rounds share the latent transformer.
 *
 * Internal maps (with `recordMaps`): `repeat{r}/cross_attention` `[batch, crossHeads, latents,
 * inputs]` and `repeat{r}/latent{l}/attention` `[batch, latentHeads, latents, latents]`.
 * Serialised as `AitPerceiver`.
 */
export class Perceiver extends VisionModelSkeleton<typeof perceiverLayerSchema> {
  /** tfjs serialisation name. */
  static className = 'AitPerceiver';
  private readonly crossBlocks: PerceiverCrossAttention[];
  private readonly latentBlocks: TransformerBlock[];
  private latentArray: LayerVariable | null = null;

  constructor(args: PerceiverArgs) {
    super('Perceiver', perceiverLayerSchema, args);
    const c = this.config;
    const trainable = this.trainable;
    const tokenizer = this.track(
      new PerceiverInputArray({
        patchSize: c.patchSize,
        fourierBands: c.fourierBands,
        maxFrequency: c.maxFrequency,
        name: 'input_array',
        trainable,
      }),
    );
    const mlpDim = Math.max(1, Math.round(c.mlpRatio * c.latentDim));
    const attentionDim = perceiverCrossAttentionDim(c);
    const crossCount = c.weightSharing ? Math.min(2, c.repeats) : c.repeats;
    this.crossBlocks = Array.from({ length: crossCount }, (_, i) =>
      this.track(
        new PerceiverCrossAttention({ numHeads: c.crossHeads, attentionDim, mlpDim, dropout: c.dropout, name: `cross${i}`, trainable }),
      ),
    );
    const latentCount = c.weightSharing ? c.latentLayers : c.latentLayers * c.repeats;
    this.latentBlocks = Array.from({ length: latentCount }, (_, i) =>
      this.track(
        new TransformerBlock({
          numHeads: c.latentHeads,
          mlpDim,
          qkvBias: true,
          dropout: c.dropout,
          storeAttentionWeights: c.recordMaps,
          name: `latent${i}`,
          trainable,
        }),
      ),
    );
    const pooledNorm = this.track(new LayerNorm({ name: 'final_norm', trainable }));
    const head = this.track(new Dense({ units: c.classes, name: 'head', trainable }));
    this.assemble(imageClassifierInputSpec(c, 'the Fourier feature table'), c.classes, {
      tokenizer,
      blocks: [],
      pooling: 'mean',
      pooledNorm,
      head,
    });
  }

  /** The latent array (own weight `latents`), the cross-attends and the latent blocks; output `[batch, latents, latentDim]`. */
  protected override buildBlocks(shapes: BuildShapes): Shape {
    const c = this.config;
    this.latentArray = this.addWeight('latents', [c.latents, c.latentDim], 'float32', createKernelInitializer('truncatedNormal'));
    const latents: Shape = [null, c.latents, c.latentDim];
    for (const b of this.crossBlocks) this.buildChild(b, [latents, shapes.tokens]);
    for (const b of this.latentBlocks) this.buildChild(b, latents);
    return latents;
  }

  /**
   * The input array `[batch, N, inputDim]` -> latents `[batch, latents, latentDim]`: in each of
   * `repeats` rounds the latents cross-attend to the input array, then run `latentLayers` blocks.
   */
  protected override runBlocks(array: tf.Tensor, kw: CallKwargs): tf.Tensor {
    const c = this.config;
    const batch = array.shape[0] as number;
    let z: tf.Tensor = tf.broadcastTo(tf.expandDims((this.latentArray as LayerVariable).read(), 0), [batch, c.latents, c.latentDim]);
    for (let r = 0; r < c.repeats; r++) {
      const cross = this.crossBlocks[c.weightSharing ? Math.min(r, 1) : r] as PerceiverCrossAttention;
      const step = cross.attend(z, array, kw);
      z = step.latents;
      this.recorder.record(`repeat${r}/cross_attention`, step.attention);
      for (let l = 0; l < c.latentLayers; l++) {
        const block = this.latentBlocks[c.weightSharing ? l : r * c.latentLayers + l] as TransformerBlock;
        z = this.callChild(block, z, kw);
        const weights = block.lastAttentionWeights;
        if (weights) this.recorder.record(`repeat${r}/latent${l}/attention`, weights);
      }
    }
    return z;
  }
}
tf.serialization.registerClass(Perceiver);
