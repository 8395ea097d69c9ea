import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  AitLayer,
  assertLastDim,
  assertRank,
  Dense,
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
import { aftSimple } from './aft-simple-op';

const aftSimpleSchema = z.strictObject({
  ...layerArgsShape,
  /** Width of Q, K and V; default the input width. */
  hiddenDim: z.number().int().positive().nullish(),
});

/** Options of {@link AftSimpleAttention} (each documented on the schema). */
export type AftSimpleAttentionArgs = LayerArgsOf<typeof aftSimpleSchema>;

/**
 * The AFT-simple token mixer as a layer ({@link aftSimple}): `x [batch, T, D] -> [batch, T, D]`
 * through `Q, K, V` projections (`D -> d`) and an output projection (`d -> D`). Works for any
 * number of tokens. Children `query`, `key`, `value`, `output`. Serialised as `AitAftSimple`.
 */
export class AftSimpleAttention extends AitLayer {
  /** tfjs serialisation name. */
  static className = 'AitAftSimple';
  /** The validated options (serialised by `getConfig`). */
  readonly config: LayerConfigOf<typeof aftSimpleSchema>;
  private query: Dense | null = null;
  private key: Dense | null = null;
  private value: Dense | null = null;
  private outputProj: Dense | null = null;
  private dim = -1;

  constructor(args: AftSimpleAttentionArgs = {}) {
    const config = parseLayerConfig('AftSimpleAttention', aftSimpleSchema, args);
    super(args);
    this.config = this.useConfig(config);
  }

  private get where(): string {
    return `AftSimpleAttention '${this.name}'`;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(this.where, inputShape);
    assertRank(this.where, 'x', { shape }, [3], '[batch, tokens, dim]');
    this.dim = knownDim(this.where, 'x', shape, -1);
    const hidden = this.config.hiddenDim ?? this.dim;
    const trainable = this.trainable;
    this.query = this.track(new Dense({ units: hidden, name: 'query', trainable }));
    this.key = this.track(new Dense({ units: hidden, name: 'key', trainable }));
    this.value = this.track(new Dense({ units: hidden, name: 'value', trainable }));
    this.outputProj = this.track(new Dense({ units: this.dim, name: 'output', trainable }));
    for (const d of [this.query, this.key, this.value]) this.buildChild(d, [null, null, this.dim]);
    this.buildChild(this.outputProj, [null, null, hidden]);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(this.where, inputShape);
  }

  /** `x [batch, T, D] -> [batch, T, D]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const x = singleTensor(this.where, inputs);
    assertRank(this.where, 'x', x, [3], '[batch, tokens, dim]');
    assertLastDim(this.where, 'x', x, this.dim, `The layer was built for tokens of width ${this.dim}.`);
    const kw: CallKwargs = { training: this.isTraining(kwargs) };
    return tf.tidy(() => {
      const q = this.callChild(this.query as Dense, x, kw);
      const k = this.callChild(this.key as Dense, x, kw);
      const v = this.callChild(this.value as Dense, x, kw);
      return this.callChild(this.outputProj as Dense, aftSimple(q, k, v), kw);
    });
  }
}
tf.serialization.registerClass(AftSimpleAttention);
