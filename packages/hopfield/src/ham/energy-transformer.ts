import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, assertRank, formatShape, mergeHeads, splitHeads } from '@ait/core';
import { lastAxisMatMul } from '../ops/last-axis-matmul';
import { energyDescent, type DescentSettings } from './energy-descent';
import { layerNormLagrangian } from './normalizing-lagrangians';

/** Parameters of the Energy Transformer energy (Hoover et al. 2023). */
export interface EnergyTransformerParams {
  /** Query weights `[heads, headDim, dim]`. */
  queryWeights: tf.Tensor;
  /** Key weights `[heads, headDim, dim]`. */
  keyWeights: tf.Tensor;
  /** Hopfield memories `[memories, dim]`. */
  memories: tf.Tensor;
  /** Scalar gain of the token layer norm (number or scalar tensor); default 1. */
  normGamma?: number | tf.Tensor;
  /** Shift of the token layer norm `[dim]`; default none. */
  normDelta?: tf.Tensor | null;
}

/** Options of the Energy Transformer functions. */
export interface EnergyTransformerOptions {
  /** Inverse temperature of the attention energy; default `1 / sqrt(headDim)`. */
  beta?: number;
  /** Epsilon of the layer norm; default 1e-5. */
  eps?: number;
  /** Which tokens each token attends to, `[tokens, tokens]` (row = query token), 1 = allowed. */
  mask?: tf.Tensor | null;
}

interface Parts {
  g: tf.Tensor;
  q: tf.Tensor;
  k: tf.Tensor;
  logits: tf.Tensor;
  any: tf.Tensor | null;
  mask: tf.Tensor | null;
  beta: number;
}

function check(where: string, x: tf.Tensor, p: EnergyTransformerParams): { heads: number; headDim: number; dim: number } {
  assertRank(where, 'x', x, [3], '[batch, tokens, dim]');
  assertFloat(where, 'x', x);
  assertRank(where, 'queryWeights', p.queryWeights, [3], '[heads, headDim, dim]');
  const [heads, headDim, dim] = p.queryWeights.shape as [number, number, number];
  if (!tf.util.arraysEqual(p.keyWeights.shape, p.queryWeights.shape)) {
    throw new Error(
      `${where}: keyWeights ${formatShape(p.keyWeights.shape)} must have the shape of queryWeights ${formatShape(p.queryWeights.shape)}.`,
    );
  }
  if (x.shape[2] !== dim) throw new Error(`${where}: x ${formatShape(x.shape)} must have width ${dim} to match the weights.`);
  if (p.memories.rank !== 2 || p.memories.shape[1] !== dim) {
    throw new Error(`${where}: memories must be [memories, ${dim}], got ${formatShape(p.memories.shape)}.`);
  }
  return { heads, headDim, dim };
}

function parts(where: string, x: tf.Tensor, p: EnergyTransformerParams, o: EnergyTransformerOptions): Parts {
  const { heads, headDim, dim } = check(where, x, p);
  const beta = o.beta ?? 1 / Math.sqrt(headDim);
  if (!Number.isFinite(beta) || beta <= 0) throw new Error(`${where}: beta must be a finite number > 0, got ${beta}.`);
  const tokens = x.shape[1] as number;
  const g = layerNormLagrangian({ gamma: p.normGamma ?? 1, delta: p.normDelta ?? null, eps: o.eps ?? 1e-5 }).activation(x);
  const wq = tf.reshape(p.queryWeights, [heads * headDim, dim]);
  const wk = tf.reshape(p.keyWeights, [heads * headDim, dim]);
  const q = splitHeads(tf.reshape(tf.matMul(tf.reshape(g, [-1, dim]), wq, false, true), [-1, tokens, heads * headDim]), heads);
  const k = splitHeads(tf.reshape(tf.matMul(tf.reshape(g, [-1, dim]), wk, false, true), [-1, tokens, heads * headDim]), heads);
  let logits = tf.mul(tf.matMul(q, k, false, true), beta);
  let mask: tf.Tensor | null = null;
  let any: tf.Tensor | null = null;
  if (o.mask) {
    if (o.mask.rank !== 2 || o.mask.shape[0] !== tokens || o.mask.shape[1] !== tokens) {
      throw new Error(`${where}: mask must be [${tokens}, ${tokens}] (1 = may attend), got ${formatShape(o.mask.shape)}.`);
    }
    mask = tf.cast(tf.notEqual(o.mask, 0), 'float32');
    logits = tf.add(tf.mul(logits, mask), tf.mul(tf.sub(mask, 1), 1e9));
    any = tf.cast(tf.greater(tf.sum(mask, -1), 0), 'float32');
  }
  return { g, q, k, logits, any, mask, beta };
}

/**
 * The Energy Transformer's energy (Hoover et al. 2023) of tokens `x [batch, tokens, dim]`:
 * with `g = LayerNorm(x)` per token, `Q_h = W_Q,h g`, `K_h = W_K,h g`,
 * `E = -(1/beta) sum_h sum_C log sum_B exp(beta K_hB . Q_hC) - 1/2 sum_B sum_mu relu(xi_mu . g_B)^2`
 * (attention energy plus the ReLU-squared Hopfield energy that replaces the MLP). Per sample: `[batch]`.
 */
export function energyTransformerEnergy(x: tf.Tensor, params: EnergyTransformerParams, options: EnergyTransformerOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const { g, logits, any, beta } = parts('energyTransformerEnergy', x, params, options);
    let lse = tf.logSumExp(logits, -1);
    if (any) lse = tf.mul(lse, any);
    const attention = tf.div(tf.neg(tf.sum(lse, [1, 2])), beta);
    const overlaps = tf.relu(lastAxisMatMul(g, params.memories, true));
    const hopfield = tf.mul(-0.5, tf.sum(tf.square(overlaps), [1, 2]));
    return tf.add(attention, hopfield);
  });
}

/**
 * Analytic gradient of {@link energyTransformerEnergy} with respect to the activations `g`:
 * `-sum_h (W_Q,h^T A_h K_h + W_K,h^T A_h^T Q_h) - sum_mu relu(xi_mu . g) xi_mu`, with `A_h` the
 * attention softmax. Shape `[batch, tokens, dim]`.
 */
export function energyTransformerGradient(
  x: tf.Tensor,
  params: EnergyTransformerParams,
  options: EnergyTransformerOptions = {},
): tf.Tensor {
  return tf.tidy(() => {
    const { g, q, k, logits, mask } = parts('energyTransformerGradient', x, params, options);
    const [heads, headDim, dim] = params.queryWeights.shape as [number, number, number];
    let a = tf.softmax(logits, -1);
    if (mask) a = tf.mul(a, mask);
    const dq = mergeHeads(tf.neg(tf.matMul(a, k)));
    const dk = mergeHeads(tf.neg(tf.matMul(a, q, true, false)));
    const wq = tf.reshape(params.queryWeights, [heads * headDim, dim]);
    const wk = tf.reshape(params.keyWeights, [heads * headDim, dim]);
    const fromAttention = tf.add(
      tf.matMul(tf.reshape(dq, [-1, heads * headDim]), wq),
      tf.matMul(tf.reshape(dk, [-1, heads * headDim]), wk),
    );
    const overlaps = tf.relu(lastAxisMatMul(g, params.memories, true));
    const fromHopfield = tf.neg(lastAxisMatMul(overlaps, params.memories));
    return tf.add(tf.reshape(fromAttention, x.shape), fromHopfield);
  });
}

/** Options of {@link energyTransformerDescent}: the model's options and the descent's (`steps` default 12, `stepSize` default 0.1). */
export interface EnergyTransformerDescentOptions extends EnergyTransformerOptions, DescentSettings {}

/**
 * Energy descent of the Energy Transformer: `x <- x - alpha dE/dg`, `steps` times (analytic
 * gradients, so one step is a plain forward computation and training backpropagates through it).
 * The energy never increases for small enough `alpha` (the layer-norm Lagrangian is convex).
 * Returns the final tokens `[batch, tokens, dim]` and, on request, energies `[steps + 1, batch]`.
 */
export function energyTransformerDescent(
  x: tf.Tensor,
  params: EnergyTransformerParams,
  options: EnergyTransformerDescentOptions = {},
): { state: tf.Tensor; energies: tf.Tensor | null } {
  const model = {
    energy: (state: tf.Tensor) => energyTransformerEnergy(state, params, options),
    gradient: (state: tf.Tensor) => energyTransformerGradient(state, params, options),
  };
  return energyDescent('energyTransformerDescent', x, model, options, { steps: 12, stepSize: 0.1 });
}
