import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, formatShape } from '@ait/core';

/** JSON description of a Lagrangian (its factory name and parameters). */
export type LagrangianConfig = Readonly<Record<string, string | number | boolean>>;

/**
 * A neuron layer's Lagrangian `L(x)` in hierarchical associative memory (Krotov 2021): a convex
 * scalar function of the layer's internal states whose gradient is the layer's activation
 * `g = dL/dx`. States are batched, `[batch, ...neurons]`; `L` is summed over each sample's neurons.
 */
export interface Lagrangian {
  /** Factory name, e.g. `softmax`. */
  readonly name: string;
  /** Parameters, for messages and serialisation. */
  readonly config: LagrangianConfig;
  /** `L(x)` per sample: `[batch, ...] -> [batch]`. */
  lagrangian(x: tf.Tensor): tf.Tensor;
  /** The activation `g = dL/dx`, computed analytically: same shape as `x`. */
  activation(x: tf.Tensor): tf.Tensor;
}

/**
 * Builds a {@link Lagrangian} from its two functions: both check that the states are
 * `[batch, ...neurons]` float32 (errors name `where`) and free their intermediate tensors.
 * `lagrangian` maps `x [batch, ...]` to `[batch]`; `activation` (its gradient) keeps `x`'s shape.
 */
export function defineLagrangian(
  where: string,
  name: string,
  config: LagrangianConfig,
  lagrangian: (x: tf.Tensor) => tf.Tensor,
  activation: (x: tf.Tensor) => tf.Tensor,
): Lagrangian {
  return {
    name,
    config,
    lagrangian: (x) => {
      assertNeuronStates(where, x);
      return tf.tidy(() => lagrangian(x));
    },
    activation: (x) => {
      assertNeuronStates(where, x);
      return tf.tidy(() => activation(x));
    },
  };
}

/** Throws unless `x` is a float32 tensor `[batch, ...neurons]` of rank >= 2. */
export function assertNeuronStates(where: string, x: tf.Tensor): void {
  assertFloat(where, 'the states', x);
  if (x.rank < 2) {
    throw new Error(`${where}: states must be [batch, ...neurons] (rank >= 2), got ${formatShape(x.shape)}; add a batch axis.`);
  }
}

/** Sums `t [batch, ...]` over every axis but the first: `[batch]`. */
export function sumPerSample(t: tf.Tensor): tf.Tensor {
  if (t.rank <= 1) return t;
  return tf.sum(
    t,
    Array.from({ length: t.rank - 1 }, (_, i) => i + 1),
  );
}

/**
 * The energy of a neuron layer, the Legendre transform of its Lagrangian:
 * `E = sum x . g - L(x)` per sample, `[batch, ...] -> [batch]`.
 */
export function neuronEnergy(lagrangian: Lagrangian, x: tf.Tensor): tf.Tensor {
  assertNeuronStates('neuronEnergy', x);
  return tf.tidy(() => tf.sub(sumPerSample(tf.mul(x, lagrangian.activation(x))), lagrangian.lagrangian(x)));
}
