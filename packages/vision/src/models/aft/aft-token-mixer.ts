import type * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import { Dense, type CallKwargs, type z } from '@ait/core';
import { VisionLayer } from '../../blocks/vision-layer';

/** The projections of an AFT token mixer. */
interface AftProjections {
  readonly query: Dense;
  readonly key: Dense;
  readonly value: Dense;
  readonly output: Dense;
}

/**
 * Base of the AFT token mixers ({@link AftSimpleAttention}, {@link AftFullAttention},
 * {@link AftConvAttention}): `x [batch, T, D] -> [batch, T, D]` through `Q, K, V` projections
 * (`D -> d`, with biases; `K` may be narrower), the variant's mixing of `Q, K, V` into
 * `[batch, T, d]`, and an output projection (`d -> D`). Children `query`, `key`, `value`, `output`.
 */
export abstract class AftTokenMixer<S extends z.ZodType> extends VisionLayer<S> {
  private projections: AftProjections | null = null;

  /**
   * Creates and builds the projections for tokens of the built width `dim`: Q and V of width
   * `hidden`, K of width `keyUnits` (default `hidden`). Call it from `build`, after
   * {@link VisionLayer.inputShapeOf}.
   */
  protected buildProjections(hidden: number, keyUnits = hidden): void {
    const trainable = this.trainable;
    const p: AftProjections = {
      query: this.track(new Dense({ units: hidden, name: 'query', trainable })),
      key: this.track(new Dense({ units: keyUnits, name: 'key', trainable })),
      value: this.track(new Dense({ units: hidden, name: 'value', trainable })),
      output: this.track(new Dense({ units: this.dim, name: 'output', trainable })),
    };
    const tokens: Shape = [null, null, this.dim];
    for (const d of [p.query, p.key, p.value]) this.buildChild(d, tokens);
    this.buildChild(p.output, [null, null, hidden]);
    this.projections = p;
  }

  /** `Q, K, V` of `x`, mixed by `mix` into `[batch, T, d]`, projected back to `[batch, T, D]`. */
  protected mixTokens(x: tf.Tensor, kwargs: CallKwargs, mix: (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => tf.Tensor): tf.Tensor {
    const p = this.projections as AftProjections;
    const kw: CallKwargs = { training: this.isTraining(kwargs) };
    const q = this.callChild(p.query, x, kw);
    const k = this.callChild(p.key, x, kw);
    const v = this.callChild(p.value, x, kw);
    return this.callChild(p.output, mix(q, k, v), kw);
  }
}
