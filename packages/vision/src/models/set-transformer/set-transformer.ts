import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { Dense, dropout, LearnedPositionEmbedding, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { imageClassifierInputSpec } from '../../blocks/image-classifier-options';
import { VisionModelSkeleton, type BuildShapes } from '../vision-model-skeleton';
import { InducedSetAttentionBlock } from './induced-set-attention-block';
import { MultiheadAttentionBlock } from './multihead-attention-block';
import { PoolingByMultiheadAttention } from './pooling-by-multihead-attention';
import { setTransformerLayerSchema } from './set-transformer-config';

/** Constructor arguments of {@link SetTransformer}: its config plus tfjs layer arguments. */
export type SetTransformerArgs = LayerArgsOf<typeof setTransformerLayerSchema>;

/**
 * Set Transformer classifier (Lee et al., ICML 2019) over the set of image patches, on the
 * {@link VisionModelSkeleton} (its pooling is `PMA_k` and the decoder):
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
export class SetTransformer extends VisionModelSkeleton<typeof setTransformerLayerSchema> {
  /** tfjs serialisation name. */
  static className = 'AitSetTransformer';
  private readonly encoder: (InducedSetAttentionBlock | MultiheadAttentionBlock)[];
  private readonly poolBlock: PoolingByMultiheadAttention;
  private readonly decoder: MultiheadAttentionBlock[];

  constructor(args: SetTransformerArgs) {
    super('SetTransformer', setTransformerLayerSchema, args);
    const c = this.config;
    const trainable = this.trainable;
    const tokenizer = this.trackLinearPatchEmbedding(c.patchSize, c.dim);
    const common = { units: c.dim, numHeads: c.heads, layerNorm: c.layerNorm, trainable };
    this.encoder = Array.from({ length: c.encoderLayers }, (_, i) =>
      this.track(
        c.inducingPoints === null
          ? new MultiheadAttentionBlock({ ...common, name: `encoder${i}` })
          : new InducedSetAttentionBlock({ ...common, inducingPoints: c.inducingPoints, name: `encoder${i}` }),
      ),
    );
    this.poolBlock = this.track(new PoolingByMultiheadAttention({ ...common, seeds: c.seeds, name: 'pool' }));
    this.decoder = Array.from({ length: c.decoderLayers }, (_, i) =>
      this.track(new MultiheadAttentionBlock({ ...common, name: `decoder${i}` })),
    );
    const head = this.track(new Dense({ units: c.classes, name: 'head', trainable }));
    this.assemble(imageClassifierInputSpec(c), c.classes, {
      tokenizer,
      blocks: this.encoder,
      pooling: 'family',
      headDropout: c.dropout,
      head,
    });
  }

  /** The learned position table (child `positions`), sized for the patches of the first input. */
  protected override prepare(shapes: BuildShapes): void {
    if (this.config.positionEmbedding !== 'learned') return;
    const maxTokens = shapes.tokens[1] as number;
    this.parts.positions = this.track(new LearnedPositionEmbedding({ maxTokens, name: 'positions', trainable: this.trainable }));
  }

  /** The encoder: ISABs (or SABs), recording their attention maps. */
  protected override runBlocks(x: tf.Tensor, _kw: CallKwargs): tf.Tensor {
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
    return x;
  }

  protected override buildPooling(tokens: Shape): Shape {
    const c = this.config;
    this.buildChild(this.poolBlock, tokens);
    for (const b of this.decoder) this.buildChild(b, [null, c.seeds, c.dim]);
    return [null, c.seeds * c.dim];
  }

  /** Dropout, `PMA_k` pooling to `k` seeds, the decoder's SABs, flattened: `[batch, n, dim] -> [batch, k * dim]`. */
  protected override pool(x: tf.Tensor, kw: CallKwargs): tf.Tensor {
    const c = this.config;
    const pooled = this.poolBlock.attend(dropout(x, c.dropout, kw.training === true));
    this.recorder.record('pool/attention', pooled.attention);
    let z: tf.Tensor = pooled.output;
    this.decoder.forEach((block, i) => {
      const r = block.attend(z, z);
      z = r.output;
      this.recorder.record(`decoder${i}/attention`, r.attention);
    });
    return tf.reshape(z, [x.shape[0] as number, c.seeds * c.dim]);
  }
}
tf.serialization.registerClass(SetTransformer);
