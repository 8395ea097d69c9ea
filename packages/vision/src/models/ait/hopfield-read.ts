import * as tf from '@tensorflow/tfjs-core';
import type { Shape } from '@tensorflow/tfjs-layers';
import {
  assertLastDim,
  assertRank,
  formatShape,
  knownDim,
  layerArgsShape,
  rateSchema,
  toShapeList,
  toTensorList,
  widthOnlyShape,
  z,
  type CallKwargs,
  type LayerArgsOf,
} from '@ait/core';
import { Hopfield, hopfieldUpdate } from '@ait/hopfield';
import { VisionLayer } from '../../blocks/vision-layer';

/**
 * AiT's Hopfield reconstruction without learned projections, as the reference code computes it
 * with `hopfieldSteps = 1`: `R = softmax(beta Z G^T) G`, repeated `steps` times
 * (`R <- softmax(beta R G^T) G`), each update being `@ait/hopfield`'s `hopfieldUpdate`.
 *
 * @param state tokens `Z [batch, tokens, dim]`
 * @param patterns priors `G [patterns, dim]` (shared) or `[batch, patterns, dim]` (one set per image)
 * @returns `R [batch, tokens, dim]` (the residual `+ Z` is not added)
 */
export function hopfieldReconstruction(
  state: tf.Tensor,
  patterns: tf.Tensor,
  options: { beta?: number; steps?: number } = {},
): tf.Tensor3D {
  const beta = options.beta ?? 1;
  const steps = options.steps ?? 1;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`hopfieldReconstruction: steps must be an integer >= 1, got ${steps}.`);
  }
  return tf.tidy(() => {
    const g = perExample(patterns, state.shape[0] as number);
    let r = state;
    for (let s = 0; s < steps; s++) r = hopfieldUpdate(r, g, { beta });
    return r as tf.Tensor3D;
  });
}

/**
 * Shared patterns `[patterns, dim]` broadcast to `[batch, patterns, dim]` (batched ones unchanged),
 * the layout the `Hopfield` layer and the per-example association maps use. (Older tfjs matMul
 * gradients also failed to sum over a broadcast batch axis; an explicit broadcast avoids that.)
 */
function perExample(patterns: tf.Tensor, batch: number): tf.Tensor {
  return patterns.rank === 2 ? tf.broadcastTo(tf.expandDims(patterns, 0), [batch, ...patterns.shape]) : patterns;
}

/**
 * Association weights of one Hopfield update: `softmax(beta Z G^T)`, `[batch, tokens, dim]` and
 * `[patterns, dim]` or `[batch, patterns, dim]` -> `[batch, tokens, patterns]`.
 */
export function hopfieldAssociations(state: tf.Tensor, patterns: tf.Tensor, beta = 1): tf.Tensor3D {
  return tf.tidy(() => {
    const g = perExample(patterns, state.shape[0] as number);
    return tf.softmax(tf.mul(tf.matMul(state, g, false, true), beta), -1) as tf.Tensor3D;
  });
}

const hopfieldReadSchema = z.strictObject({
  ...layerArgsShape,
  /** Inverse temperature; default 1 (the AiT reference). */
  beta: z.number().positive().default(1),
  /** Update steps; default 1 (the AiT reference). */
  steps: z.number().int().positive().default(1),
  /**
   * Learned projections: the read becomes `@ait/hopfield`'s `Hopfield` layer (ml-jku's `Hopfield`)
   * with LayerNorms on its inputs, per-head projections of the state (tokens), stored patterns and
   * pattern projection (both the priors), and an output projection; default false (the reference's
   * static Hopfield layer).
   */
  projections: z.boolean().default(false),
  /** Heads of the learned projections; default 1 (the reference's non-default variant: 8). */
  numHeads: z.number().int().positive().default(1),
  /** Width of each head in the Hopfield space (ml-jku's `hidden_size`); default `dim / numHeads` (the non-default variant: `dim`). */
  headDim: z.number().int().positive().nullish(),
  /** Dropout on the association matrix while training (learned projections only); default 0 (the non-default variant: 0.5). */
  dropout: rateSchema.default(0),
});

/** Options of {@link HopfieldRead} (each documented on the schema). */
export type HopfieldReadArgs = LayerArgsOf<typeof hopfieldReadSchema>;

/** What {@link HopfieldRead.read} returns; the caller owns the tensors. */
export interface HopfieldReadResult {
  /** Retrieved tokens `[batch, tokens, dim]`. */
  retrieved: tf.Tensor3D;
  /**
   * Association weights of the last update: `[batch, tokens, patterns]`, or
   * `[batch, heads, tokens, patterns]` with learned projections; `null` unless asked for.
   */
  associations: tf.Tensor | null;
}

/**
 * AiT's associative read: tokens `Z [batch, tokens, dim]` retrieve from the up-projected priors
 * `G [patterns, dim]` (or `[batch, patterns, dim]`) with continuous modern Hopfield updates.
 *
 * - Without projections (the reference): `R = softmax(beta Z G^T) G`, `steps` times, each update
 *   `@ait/hopfield`'s `hopfieldUpdate` (the reference's static `hflayers.Hopfield`).
 * - With projections (the reference's non-default variant `Hopfield(input_size=D, hidden_size=D,
 *   num_heads=8, update_steps_max=3, scaling=beta, dropout=0.5)`): a child `hopfield`, the
 *   `Hopfield` layer of `@ait/hopfield`, with the priors as stored patterns and pattern
 *   projection and the tokens as state patterns, `numHeads` heads of width `headDim`, inverse
 *   temperature `beta`, up to `steps - 1` further updates (`updateStepsMax`, each head stopping
 *   early once its associations change by at most 1e-4) and association dropout `dropout`.
 *
 * Inputs `[state, patterns]`; output `R [batch, tokens, dim]` (no residual). Serialised as
 * `AitHopfieldRead`.
 */
export class HopfieldRead extends VisionLayer<typeof hopfieldReadSchema> {
  /** tfjs serialisation name. */
  static className = 'AitHopfieldRead';
  private hopfield: Hopfield | null = null;

  constructor(args: HopfieldReadArgs = {}) {
    super('HopfieldRead', hopfieldReadSchema, args);
  }

  private pair(shapes: Shape[]): [Shape, Shape] {
    if (shapes.length !== 2) throw new Error(`${this.where}: expects [state, patterns], got ${shapes.length} inputs.`);
    const [s, p] = shapes as [Shape, Shape];
    assertRank(this.where, 'state', { shape: s }, [3], '[batch, tokens, dim]');
    assertRank(this.where, 'patterns', { shape: p }, [2, 3], '[patterns, dim] or [batch, patterns, dim]');
    return [s, p];
  }

  override build(inputShape: Shape | Shape[]): void {
    const [s, p] = this.pair(toShapeList(inputShape));
    this.dim = knownDim(this.where, 'state', s, -1);
    const pDim = knownDim(this.where, 'patterns', p, -1);
    if (pDim !== this.dim) {
      throw new Error(`${this.where}: patterns ${formatShape(p)} must have the state's width ${this.dim}.`);
    }
    const { projections, numHeads, headDim, beta, steps, dropout } = this.config;
    if (projections) {
      if (headDim == null && this.dim % numHeads !== 0) {
        throw new Error(`${this.where}: width ${this.dim} is not divisible by numHeads ${numHeads}; set headDim.`);
      }
      this.hopfield = this.track(
        new Hopfield({
          numHeads,
          hiddenSize: headDim ?? this.dim / numHeads,
          scaling: beta,
          updateStepsMax: steps - 1,
          dropout,
          name: 'hopfield',
          trainable: this.trainable,
        }),
      );
    }
    this.buildByCalling([widthOnlyShape(s, this.dim), widthOnlyShape(p, this.dim)]);
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return this.pair(toShapeList(inputShape))[0];
  }

  /**
   * The read with its association weights when `withAssociations` is true (see
   * {@link HopfieldReadResult}); the layer must be built.
   */
  read(state: tf.Tensor, patterns: tf.Tensor, kwargs: CallKwargs & { withAssociations?: boolean } = {}): HopfieldReadResult {
    if (!this.built) throw new Error(`${this.where}: the layer is not built; call apply([state, patterns]) first.`);
    this.pair([state.shape, patterns.shape]);
    assertLastDim(this.where, 'state', state, this.dim, `The layer was built for width ${this.dim}.`);
    assertLastDim(this.where, 'patterns', patterns, this.dim, `The layer was built for width ${this.dim}.`);
    const batch = state.shape[0] as number;
    if (patterns.rank === 3 && patterns.shape[0] !== batch) {
      throw new Error(`${this.where}: batched patterns ${formatShape(patterns.shape)} must have the state's batch size ${batch}.`);
    }
    const training = this.isTraining(kwargs);
    const withAssociations = kwargs.withAssociations === true;
    const [retrieved, associations] = tf.tidy(() => {
      const g = perExample(patterns, batch);
      if (this.hopfield) {
        const res = this.prepareChild(this.hopfield, [g, state, g]).associate({ keys: g, queries: state, values: g }, { training });
        res.projectedPatterns.dispose();
        if (withAssociations) return [res.output, res.associations];
        res.associations.dispose();
        return [res.output];
      }
      const { beta, steps } = this.config;
      let r: tf.Tensor = state;
      for (let s = 0; s < steps - 1; s++) r = hopfieldUpdate(r, g, { beta });
      const out = hopfieldUpdate(r, g, { beta });
      return withAssociations ? [out, hopfieldAssociations(r, g, beta)] : [out];
    });
    return { retrieved: retrieved as tf.Tensor3D, associations: associations ?? null };
  }

  /** `[state [batch, tokens, dim], patterns [patterns, dim] | [batch, patterns, dim]] -> [batch, tokens, dim]`. */
  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: CallKwargs): tf.Tensor {
    const list = toTensorList(inputs);
    if (list.length !== 2) throw new Error(`${this.where}: expects [state, patterns], got ${list.length} inputs.`);
    return this.read(list[0] as tf.Tensor, list[1] as tf.Tensor, kwargs).retrieved;
  }
}
tf.serialization.registerClass(HopfieldRead);
