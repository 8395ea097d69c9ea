import type * as tf from '@tensorflow/tfjs-core';

/**
 * A synapse of a hierarchical associative memory: a scalar energy of the activations of the
 * neuron layers it connects (in the order given when it is connected), summed per sample.
 */
export interface Synapse {
  /** Kind, e.g. `dense`. */
  readonly kind: string;
  /** Number of neuron layers it connects. */
  readonly arity: number;
  /** The parameters, for optimisers (`tf.variableGrads`) or inspection. */
  readonly weights: readonly tf.Tensor[];
  /** Energy per sample: activations `[batch, ...]` each -> `[batch]`. */
  energy(activations: readonly tf.Tensor[]): tf.Tensor;
  /**
   * The energy's gradients with respect to each activation, computed analytically (same shapes as
   * the activations). Absent where only automatic differentiation is offered.
   */
  gradients?(activations: readonly tf.Tensor[]): tf.Tensor[];
}
