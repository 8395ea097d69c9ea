import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable, type Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertLastDim,
  assertRank,
  Dense,
  globalRng,
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
import { aftFull } from './aft-full-op';
import { aftLocalBias } from './aft-local-bias';

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
export class AftFullAttention extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitAftFull';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof aftFullSchema>;
  private query: Dense | null = null;
  private key: Dense | null = null;
  private value: Dense | null = null;
  private outputProj: Dense | null = null;
  private posU: LayerVariable | null = null;
  private posV: LayerVariable | null = null;
  private posW: LayerVariable | null = null;
  private dim = -1;
  private tokens = -1;

  constructor(args: AftFullAttentionArgs = {}) {
    const config = parseLayerConfig('AftFullAttention', aftFullSchema, args);
    super(args);
    this.config = this.useConfig(config);
  }

  private get where(): string {
    return `AftFullAttention '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    assertRank(this.where, 'x', { shape }, [3], '[batch, tokens, dim]');
    this.tokens = knownDim(this.where, 'x', shape, 1);
    this.dim = knownDim(this.where, 'x', shape, -1);
    const hidden = this.config.hiddenDim ?? this.dim;
    const trainable = this.trainable;
    this.query = this.track(new Dense({ units: hidden, name: 'query', trainable }));
    this.key = this.track(new Dense({ units: hidden, name: 'key', trainable }));
    this.value = this.track(new Dense({ units: hidden, name: 'value', trainable }));
    this.outputProj = this.track(new Dense({ units: this.dim, name: 'output', trainable }));
    for (const d of [this.query, this.key, this.value]) this.buildChild(d, [null, null, this.dim]);
    this.buildChild(this.outputProj, [null, null, hidden]);
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

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(this.where, inputShape);
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
    const x = singleTensor(this.where, inputs);
    assertRank(this.where, 'x', x, [3], '[batch, tokens, dim]');
    assertLastDim(this.where, 'x', x, this.dim, `The layer was built for tokens of width ${this.dim}.`);
    if (x.shape[1] !== this.tokens) {
      throw new Error(
        `${this.where}: the layer was built for ${this.tokens} tokens (its position biases are [${this.tokens}, ` +
          `${this.tokens}]) but got ${x.shape[1]}; feed inputs of the size it was built with.`,
      );
    }
    const kw: CallKwargs = { training: this.isTraining(kwargs) };
    return tf.tidy(() => {
      const q = this.callChild(this.query as Dense, x, kw);
      const k = this.callChild(this.key as Dense, x, kw);
      const v = this.callChild(this.value as Dense, x, kw);
      return this.callChild(this.outputProj as Dense, aftFull(q, k, v, this.positionBiases()), kw);
    });
  }
}
tf.serialization.registerClass(AftFullAttention);
