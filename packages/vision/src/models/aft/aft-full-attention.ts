import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import { globalRng, knownDim, layerArgsShape, z, type CallKwargs, type LayerArgsOf } from '@ait/core';
import { aftFull } from './aft-full-op';
import { aftLocalBias } from './aft-local-bias';
import { AftTokenMixer } from './aft-token-mixer';

const aftFullSchema = z.strictObject({
  ...layerArgsShape,
  /** Width of Q, K and V (`d`); default the input width. */
  hiddenDim: z.number().int().positive().nullish(),
  /**
   * Rank r of the factorised position biases `w = u v^T` (`u`, `v` `[T, r]`); default 64 (the paper:
   * 64-128). `null` learns the full `[T, T]` matrix.
   */
  positionRank: z.number().int().positive().nullable().default(64),
  /** AFT-local: keep `w` only where `|t - t'| < windowSize` (0 elsewhere); `null` (default) is AFT-full. */
  windowSize: z.number().int().positive().nullable().default(null),
  /** Standard deviation of the normal initialisation of `u` and `v` (or `w`); default 0.01. */
  biasStddev: z.number().positive().default(0.01),
});

/** Options of {@link AftFullAttention} (each documented on the schema). */
export type AftFullAttentionArgs = LayerArgsOf<typeof aftFullSchema>;

/**
 * The AFT-full / AFT-local token mixer as a layer: `x [batch, T, D] -> [batch, T, D]`,
 * `Q, K, V = x Wq, x Wk, x Wv` (`D -> d`, with biases), `Y = aftFull(Q, K, V, w)` with learned
 * position biases `w = u v^T` (masked to the window for AFT-local, see {@link aftLocalBias}), then
 * `Y Wo` (`d -> D`). The number of tokens T is fixed when the layer is built. Children `query`,
 * `key`, `value`, `output`; own weights `pos_u`, `pos_v` (or `pos_w`). Serialised as `AitAftFull`.
 */
export class AftFullAttention extends AftTokenMixer<typeof aftFullSchema> {
  /** tfjs serialisation name. */
  static className = 'AitAftFull';
  private posU: LayerVariable | null = null;
  private posV: LayerVariable | null = null;
  private posW: LayerVariable | null = null;
  private tokens = -1;

  constructor(args: AftFullAttentionArgs = {}) {
    super('AftFullAttention', aftFullSchema, args);
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = this.inputShapeOf(inputShape);
    this.tokens = knownDim(this.where, 'x', shape, 1);
    this.buildProjections(this.config.hiddenDim ?? this.dim);
    const init = (): ReturnType<typeof initializers.randomNormal> =>
      initializers.randomNormal({ mean: 0, stddev: this.config.biasStddev, seed: globalRng().nextSeed() });
    const t = this.tokens;
    if (this.config.positionRank === null) {
      this.posW = this.addWeight('pos_w', [t, t], 'float32', init());
    } else {
      this.posU = this.addWeight('pos_u', [t, this.config.positionRank], 'float32', init());
      this.posV = this.addWeight('pos_v', [t, this.config.positionRank], 'float32', init());
    }
    this.built = true;
  }

  /** The position biases `w [T, T]` the layer uses now (masked for AFT-local); caller owns it. */
  positionBiases(): tf.Tensor2D {
    if (!this.built) throw new Error(`${this.where}: build the layer first.`);
    return tf.tidy(() => {
      const w =
        this.posW !== null
          ? this.posW.read()
          : tf.matMul((this.posU as LayerVariable).read(), (this.posV as LayerVariable).read(), false, true);
      return (this.config.windowSize === null ? tf.clone(w) : aftLocalBias(w, this.config.windowSize)) as tf.Tensor2D;
    });
  }

  /** `x [batch, T, D] -> [batch, T, D]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = this.inputOf(inputs);
    if (x.shape[1] !== this.tokens) {
      throw new Error(
        `${this.where}: the layer was built for ${this.tokens} tokens (its position biases are [${this.tokens}, ` +
          `${this.tokens}]) but got ${x.shape[1]}; feed inputs of the size it was built with.`,
      );
    }
    return tf.tidy(() => this.mixTokens(x, kwargs, (q, k, v) => aftFull(q, k, v, this.positionBiases())));
  }
}
tf.serialization.registerClass(AftFullAttention);
