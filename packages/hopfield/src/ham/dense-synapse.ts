import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, formatShape } from '@ait/core';
import type { Synapse } from './synapse';

/** Options of {@link denseSynapse}. */
export interface DenseSynapseOptions {
  /** Bias on the second layer's side `[nB]`; the energy gains `-b . g_B`. */
  bias?: tf.Tensor | null;
}

function flatten(g: tf.Tensor): tf.Tensor2D {
  return tf.reshape(g, [g.shape[0] as number, -1]) as tf.Tensor2D;
}

/**
 * Dense synapse between two neuron layers: `E = -(g_A W + b) . g_B` per sample, for activations
 * flattened to `[batch, nA]` and `[batch, nB]`, `weights [nA, nB]` and optional `bias [nB]`
 * ("dense with bias"). Analytic gradients: `dE/dg_A = -W g_B`, `dE/dg_B = -(g_A W + b)`.
 */
export function denseSynapse(weights: tf.Tensor, options: DenseSynapseOptions = {}): Synapse {
  const where = 'denseSynapse';
  assertFloat(where, 'weights', weights);
  if (weights.rank !== 2) throw new Error(`${where}: weights must be [nA, nB], got ${formatShape(weights.shape)}.`);
  const [nA, nB] = weights.shape as [number, number];
  const bias = options.bias ?? null;
  if (bias && (bias.rank !== 1 || bias.shape[0] !== nB)) {
    throw new Error(
      `${where}: bias must have shape [${nB}] to match weights ${formatShape(weights.shape)}, got ${formatShape(bias.shape)}.`,
    );
  }
  const check = (acts: readonly tf.Tensor[]): [tf.Tensor, tf.Tensor] => {
    if (acts.length !== 2) throw new Error(`${where}: connects 2 layers, got ${acts.length} activations.`);
    const [a, b] = acts as [tf.Tensor, tf.Tensor];
    if (a.size / (a.shape[0] as number) !== nA || b.size / (b.shape[0] as number) !== nB) {
      throw new Error(
        `${where}: weights ${formatShape(weights.shape)} connect ${nA} to ${nB} neurons per sample, got activations ` +
          `${formatShape(a.shape)} and ${formatShape(b.shape)}.`,
      );
    }
    return [a, b];
  };
  const drive = (a: tf.Tensor): tf.Tensor => {
    const h = tf.matMul(flatten(a), weights as tf.Tensor2D);
    return bias ? tf.add(h, bias) : h;
  };
  return {
    kind: bias ? 'denseWithBias' : 'dense',
    arity: 2,
    weights: bias ? [weights, bias] : [weights],
    energy: (acts) => {
      const [a, b] = check(acts);
      return tf.tidy(() => tf.neg(tf.sum(tf.mul(drive(a), flatten(b)), -1)));
    },
    gradients: (acts) => {
      const [a, b] = check(acts);
      return tf.tidy(() => [
        tf.reshape(tf.neg(tf.matMul(flatten(b), weights as tf.Tensor2D, false, true)), a.shape),
        tf.reshape(tf.neg(drive(a)), b.shape),
      ]);
    },
  };
}
