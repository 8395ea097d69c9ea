import * as tf from '@tensorflow/tfjs-core';
import { assertFloat } from '@ait/core';
import { sumPerSample } from './lagrangian';
import type { Synapse } from './synapse';

/**
 * Bias synapse on one neuron layer: `E = -b . g` per sample, `bias` shaped like a sample's
 * neurons (or broadcastable to it). Analytic gradient `dE/dg = -b`.
 */
export function biasSynapse(bias: tf.Tensor): Synapse {
  assertFloat('biasSynapse', 'bias', bias);
  const check = (acts: readonly tf.Tensor[]): tf.Tensor => {
    if (acts.length !== 1) throw new Error(`biasSynapse: acts on 1 layer, got ${acts.length} activations.`);
    return acts[0] as tf.Tensor;
  };
  return {
    kind: 'bias',
    arity: 1,
    weights: [bias],
    energy: (acts) => {
      const g = check(acts);
      return tf.tidy(() => tf.neg(sumPerSample(tf.mul(g, bias))));
    },
    gradients: (acts) => {
      const g = check(acts);
      return tf.tidy(() => [tf.neg(tf.mul(tf.onesLike(g), bias))]);
    },
  };
}
