import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable, Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertRank,
  createKernelInitializer,
  knownDim,
  layerArgsShape,
  parseLayerConfig,
  singleShape,
  singleTensor,
  z,
  type CallKwargs,
  type LayerArgsOf,
  type LayerConfigOf,
} from '@ait/core';
import { MultiheadAttentionBlock } from './multihead-attention-block';

const isabSchema = z.strictObject({
  ...layerArgsShape,
  /** Output width (and width of the inducing points). */
  units: z.number().int().positive(),
  /** Heads of both attention blocks. */
  numHeads: z.number().int().positive(),
  /** Number m of learned inducing points (cost `O(n m)` instead of `O(n^2)`). */
  inducingPoints: z.number().int().positive(),
  /** Whether the MABs use their LayerNorms; default true. */
  layerNorm: z.boolean().default(true),
});

/** Options of {@link InducedSetAttentionBlock} (each documented on the schema). */
export type InducedSetAttentionBlockArgs = LayerArgsOf<typeof isabSchema>;

/** What {@link InducedSetAttentionBlock.attend} returns (all owned by the caller). */
export interface IsabResult {
  /** `[batch, n, units]`. */
  output: tf.Tensor3D;
  /** The inducing points attending to the set, `[batch, heads, m, n]`. */
  induced: tf.Tensor4D;
  /** The set attending to the induced summary, `[batch, heads, n, m]`. */
  attention: tf.Tensor4D;
}

/**
 * The Set Transformer's induced set attention block: `ISAB_m(X) = MAB(X, MAB(I, X))` with `m`
 * learned inducing points `I [m, units]` (Glorot-uniform init, as the reference), for a set
 * `X [batch, n, dim] -> [batch, n, units]`. Children `mab0` (`MAB(I, X)`) and `mab1`
 * (`MAB(X, H)`); own weight `inducing_points`. Serialised as `AitInducedSetAttentionBlock`.
 */
export class InducedSetAttentionBlock extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitInducedSetAttentionBlock';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof isabSchema>;
  private readonly mab0: MultiheadAttentionBlock;
  private readonly mab1: MultiheadAttentionBlock;
  private points: LayerVariable | null = null;

  constructor(args: InducedSetAttentionBlockArgs) {
    const config = parseLayerConfig('InducedSetAttentionBlock', isabSchema, args);
    super(args);
    this.config = this.useConfig(config);
    const common = { units: config.units, numHeads: config.numHeads, layerNorm: config.layerNorm, trainable: this.trainable };
    this.mab0 = this.track(new MultiheadAttentionBlock({ ...common, name: 'mab0' }));
    this.mab1 = this.track(new MultiheadAttentionBlock({ ...common, name: 'mab1' }));
  }

  private get where(): string {
    return `InducedSetAttentionBlock '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    assertRank(this.where, 'x', { shape }, [3], '[batch, n, dim]');
    const dim = knownDim(this.where, 'x', shape, -1);
    this.points = this.addWeight(
      'inducing_points',
      [this.config.inducingPoints, this.config.units],
      'float32',
      createKernelInitializer('glorotUniform'),
    );
    this.buildChild(this.mab0, [
      [null, this.config.inducingPoints, this.config.units],
      [null, null, dim],
    ]);
    this.buildChild(this.mab1, [
      [null, null, dim],
      [null, this.config.inducingPoints, this.config.units],
    ]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = singleShape(this.where, inputShape);
    return [shape[0] ?? null, shape[1] ?? null, this.config.units];
  }

  /** `X [batch, n, dim]` -> {@link IsabResult}. */
  attend(x: tf.Tensor): IsabResult {
    if (!this.built) throw new Error(`${this.where}: call the layer through apply() (or build it) first.`);
    assertRank(this.where, 'x', x, [3], '[batch, n, dim]');
    return tf.tidy(() => {
      const batch = x.shape[0] as number;
      const points = tf.broadcastTo(tf.expandDims((this.points as LayerVariable).read(), 0), [
        batch,
        this.config.inducingPoints,
        this.config.units,
      ]);
      const h = this.mab0.attend(points, x);
      const o = this.mab1.attend(x, h.output);
      return { output: o.output, induced: h.attention, attention: o.attention };
    });
  }

  /** `X [batch, n, dim] -> [batch, n, units]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const r = this.attend(singleTensor(this.where, inputs));
    tf.dispose([r.induced, r.attention]);
    return r.output;
  }
}
tf.serialization.registerClass(InducedSetAttentionBlock);
