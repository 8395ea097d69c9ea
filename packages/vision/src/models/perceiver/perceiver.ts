import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import { createKernelInitializer, Dense, LayerNorm, parseLayerConfig, patchify, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { assertPatchFits, imageInputShape, imageInputTensor } from '../../blocks/image-input';
import { MapRecorder } from '../../blocks/map-recorder';
import { TransformerBlock } from '../../blocks/transformer-block';
import { VisionModel } from '../vision-model';
import { fourierPositionFeatures } from './fourier-position-features';
import { PerceiverCrossAttention } from './perceiver-cross-attention';
import { perceiverLayerSchema, type PerceiverConfig } from './perceiver-config';

/** Constructor arguments of {@link Perceiver}: its config plus tfjs layer arguments. */
export type PerceiverArgs = LayerArgsOf<typeof perceiverLayerSchema>;

/**
 * Perceiver classifier (Jaegle et al., ICML 2021): images `[batch, H, W, C]` -> input array of
 * pixels (or `patchSize` patches) with Fourier position features concatenated
 * ({@link fourierPositionFeatures}) -> a learned latent array `[latents, latentDim]` that, in each
 * of `repeats` rounds, cross-attends to the input array ({@link PerceiverCrossAttention}) and runs
 * `latentLayers` pre-norm self-attention blocks -> mean over latents -> LN -> linear -> logits
 * `[batch, classes]`. Cost grows linearly with the number of inputs. With `weightSharing` the
 * cross-attends after the first share weights and all rounds share the latent transformer.
 *
 * Internal maps (with `recordMaps`): `repeat{r}/cross_attention` `[batch, crossHeads, latents,
 * inputs]` and `repeat{r}/latent{l}/attention` `[batch, latentHeads, latents, latents]`.
 * Serialised as `AitPerceiver`.
 */
export class Perceiver extends VisionModel {
  /** tfjs serialisation name. */
  static className = 'AitPerceiver';
  /** The validated config (serialised by `getConfig`). */
  readonly config: PerceiverConfig;
  private readonly crossBlocks: PerceiverCrossAttention[];
  private readonly latentBlocks: TransformerBlock[];
  private readonly finalNorm: LayerNorm;
  private readonly head: Dense;
  private latentArray: LayerVariable | null = null;
  private features: tf.Tensor2D | null = null;
  private inputs = -1;

  constructor(args: PerceiverArgs) {
    const c = parseLayerConfig('Perceiver', perceiverLayerSchema, args);
    super(args);
    this.config = this.useConfig(c);
    const trainable = this.trainable;
    this.recorder = new MapRecorder(c.recordMaps);
    const mlpDim = Math.max(1, Math.round(c.mlpRatio * c.latentDim));
    const crossCount = c.weightSharing ? Math.min(2, c.repeats) : c.repeats;
    this.crossBlocks = Array.from({ length: crossCount }, (_, i) =>
      this.track(new PerceiverCrossAttention({ numHeads: c.crossHeads, mlpDim, dropout: c.dropout, name: `cross${i}`, trainable })),
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
    this.finalNorm = this.track(new LayerNorm({ name: 'final_norm', trainable }));
    this.head = this.track(new Dense({ units: c.classes, name: 'head', trainable }));
  }

  private get where(): string {
    return `Perceiver '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = this.config;
    const shape = imageInputShape(this.where, inputShape, c);
    const [, height, width, channels] = shape as [number | null, number, number, number];
    assertPatchFits(this.where, height, width, c.patchSize);
    const gh = height / c.patchSize;
    const gw = width / c.patchSize;
    this.inputs = gh * gw;
    this.features?.dispose();
    this.features = tf.keep(fourierPositionFeatures(gh, gw, c.fourierBands, c.maxFrequency ?? Math.max(gh, gw)));
    const inputDim = c.patchSize * c.patchSize * channels + (this.features.shape[1] as number);
    this.latentArray = this.addWeight('latents', [c.latents, c.latentDim], 'float32', createKernelInitializer('truncatedNormal'));
    const latents: Shape = [null, c.latents, c.latentDim];
    for (const b of this.crossBlocks) this.buildChild(b, [latents, [null, this.inputs, inputDim]]);
    for (const b of this.latentBlocks) this.buildChild(b, latents);
    this.buildChild(this.finalNorm, [null, c.latentDim]);
    this.buildChild(this.head, [null, c.latentDim]);
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
    const n = (dims.height / c.patchSize) * (dims.width / c.patchSize);
    if (n !== this.inputs) {
      throw new Error(
        `${this.where}: the model was built for ${this.inputs} input positions (its Fourier features are fixed) but ` +
          `${dims.height}x${dims.width} images give ${n}; use images of the size it was built with.`,
      );
    }
    const kw: CallKwargs = { training: this.isTraining(kwargs) };
    this.recorder.begin();
    return tf.tidy(() => {
      const batch = images.shape[0];
      const pixels = patchify(images, c.patchSize);
      const features = this.features as tf.Tensor2D;
      const pos = tf.broadcastTo(tf.expandDims(features, 0), [batch, n, features.shape[1] as number]);
      const array = tf.concat([pixels, pos], -1);
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
      const pooled = this.callChild(this.finalNorm, tf.mean(z, 1), kw);
      return this.callChild(this.head, pooled, kw);
    });
  }

  protected override disposeResources(): void {
    super.disposeResources();
    this.features?.dispose();
    this.features = null;
  }
}
tf.serialization.registerClass(Perceiver);
