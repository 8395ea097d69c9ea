import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { Dense, dropout, LearnedPositionEmbedding, parseLayerConfig, PatchEmbedding, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { assertPatchFits, imageInputShape, imageInputTensor } from '../../blocks/image-input';
import { MapRecorder } from '../../blocks/map-recorder';
import { VisionModel } from '../vision-model';
import { InducedSetAttentionBlock } from './induced-set-attention-block';
import { MultiheadAttentionBlock } from './multihead-attention-block';
import { PoolingByMultiheadAttention } from './pooling-by-multihead-attention';
import { setTransformerLayerSchema, type SetTransformerConfig } from './set-transformer-config';

/** Constructor arguments of {@link SetTransformer}: its config plus tfjs layer arguments. */
export type SetTransformerArgs = LayerArgsOf<typeof setTransformerLayerSchema>;

/**
 * Set Transformer classifier (Lee et al., ICML 2019) over the set of image patches:
 * images `[batch, H, W, C]` -> patches -> `Linear(P*P*C, dim)` (+ learned positions unless
 * `positionEmbedding: 'none'`) -> encoder of `encoderLayers` ISABs (or SABs when
 * `inducingPoints` is null) -> dropout -> `PMA_k` -> `decoderLayers` SABs -> flatten `[batch, k*dim]`
 * -> dropout -> linear -> logits `[batch, classes]`. Without positions the prediction does not
 * depend on the order of the patches.
 *
 * Internal maps (with `recordMaps`): `encoder{l}/induced` `[batch, heads, m, n]` and
 * `encoder{l}/attention` `[batch, heads, n, m]` (ISAB) or `[batch, heads, n, n]` (SAB),
 * `pool/attention` `[batch, heads, k, n]`, `decoder{l}/attention` `[batch, heads, k, k]`.
 * Serialised as `AitSetTransformer`.
 */
export class SetTransformer extends VisionModel {
  /** tfjs serialisation name. */
  static className = 'AitSetTransformer';
  /** The validated config (serialised by `getConfig`). */
  readonly config: SetTransformerConfig;
  private readonly embed: PatchEmbedding;
  private positions: LearnedPositionEmbedding | null = null;
  private readonly encoder: (InducedSetAttentionBlock | MultiheadAttentionBlock)[];
  private readonly pool: PoolingByMultiheadAttention;
  private readonly decoder: MultiheadAttentionBlock[];
  private readonly head: Dense;

  constructor(args: SetTransformerArgs) {
    const c = parseLayerConfig('SetTransformer', setTransformerLayerSchema, args);
    super(args);
    this.config = this.useConfig(c);
    const trainable = this.trainable;
    this.recorder = new MapRecorder(c.recordMaps);
    this.embed = this.track(
      new PatchEmbedding({ patchSize: c.patchSize, embedDim: c.dim, preNorm: false, postNorm: false, name: 'patch_embed', trainable }),
    );
    const common = { units: c.dim, numHeads: c.heads, layerNorm: c.layerNorm, trainable };
    this.encoder = Array.from({ length: c.encoderLayers }, (_, i) =>
      this.track(
        c.inducingPoints === null
          ? new MultiheadAttentionBlock({ ...common, name: `encoder${i}` })
          : new InducedSetAttentionBlock({ ...common, inducingPoints: c.inducingPoints, name: `encoder${i}` }),
      ),
    );
    this.pool = this.track(new PoolingByMultiheadAttention({ ...common, seeds: c.seeds, name: 'pool' }));
    this.decoder = Array.from({ length: c.decoderLayers }, (_, i) =>
      this.track(new MultiheadAttentionBlock({ ...common, name: `decoder${i}` })),
    );
    this.head = this.track(new Dense({ units: c.classes, name: 'head', trainable }));
  }

  private get where(): string {
    return `SetTransformer '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = this.config;
    const shape = imageInputShape(this.where, inputShape, c);
    const [, height, width] = shape as [number | null, number, number];
    assertPatchFits(this.where, height, width, c.patchSize);
    const n = (height / c.patchSize) * (width / c.patchSize);
    this.buildChild(this.embed, shape);
    if (c.positionEmbedding === 'learned') {
      this.positions = this.track(new LearnedPositionEmbedding({ maxTokens: n, name: 'positions', trainable: this.trainable }));
      this.buildChild(this.positions, [null, n, c.dim]);
    }
    for (const b of this.encoder) this.buildChild(b, [null, n, c.dim]);
    this.buildChild(this.pool, [null, n, c.dim]);
    for (const b of this.decoder) this.buildChild(b, [null, c.seeds, c.dim]);
    this.buildChild(this.head, [null, c.seeds * c.dim]);
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
      this.encoder.forEach((block, i) => {
        if (block instanceof InducedSetAttentionBlock) {
          const r = block.attend(x);
          x = r.output;
          this.recorder.record(`encoder${i}/induced`, r.induced);
          this.recorder.record(`encoder${i}/attention`, r.attention);
        } else {
          const r = block.attend(x, x);
          x = r.output;
          this.recorder.record(`encoder${i}/attention`, r.attention);
        }
      });
      const pooled = this.pool.attend(dropout(x, c.dropout, training));
      this.recorder.record('pool/attention', pooled.attention);
      let z: tf.Tensor = pooled.output;
      this.decoder.forEach((block, i) => {
        const r = block.attend(z, z);
        z = r.output;
        this.recorder.record(`decoder${i}/attention`, r.attention);
      });
      const flat = tf.reshape(z, [images.shape[0], c.seeds * c.dim]);
      return this.callChild(this.head, dropout(flat, c.dropout, training), kw);
    });
  }
}
tf.serialization.registerClass(SetTransformer);
