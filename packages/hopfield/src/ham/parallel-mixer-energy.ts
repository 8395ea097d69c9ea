import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, assertRank, formatShape, gelu } from '@ait/core';
import { lastAxisMatMul } from '../ops/last-axis-matmul';
import { energyDescent, type DescentSettings } from './energy-descent';
import { geluIntegral } from './elementwise-lagrangians';
import { layerNormLagrangian } from './normalizing-lagrangians';

/**
 * Parameters of the Karakida-Ota-Taki three-layer network (2024): visible tokens x channels,
 * a token-hidden layer and a channel-hidden layer with the GELU-integral Lagrangian, and symmetric
 * (tied) weights between them.
 */
export interface ParallelMixerParams {
  /** Token-mixing weights `[tokenHidden, tokens]`. */
  tokenWeights: tf.Tensor;
  /** Channel-mixing weights `[channelHidden, channels]`. */
  channelWeights: tf.Tensor;
  /** Biases of the token-hidden layer `[tokenHidden]`. */
  tokenHiddenBias?: tf.Tensor | null;
  /** Biases of the channel-hidden layer `[channelHidden]`. */
  channelHiddenBias?: tf.Tensor | null;
  /** Linear energy term on the visible layer per token `[tokens]` (the token MLP's output bias). */
  tokenOutputBias?: tf.Tensor | null;
  /** Linear energy term on the visible layer per channel `[channels]` (the channel MLP's output bias). */
  channelOutputBias?: tf.Tensor | null;
  /**
   * Gain of the visible layer norm (over the whole tokens x channels matrix); default 1. One gain
   * (a number, or a tensor `[]` or `[1]`) is the layer-norm Lagrangian of the three-layer network.
   * A gain per entry (a tensor `[tokens, channels]`, what PyTorch's `nn.LayerNorm((tokens,
   * channels))` of the authors' code learns) is accepted by {@link parallelMixerActivation}, but
   * such a layer norm is not the gradient of any Lagrangian, so the energy functions refuse it.
   */
  normGamma?: number | tf.Tensor;
  /** Shift of that layer norm `[tokens, channels]`; default none. */
  normDelta?: tf.Tensor | null;
}

/**
 * Whether `params.normGamma` is a gain per entry of the `[tokens, channels]` matrix (a rank-2
 * tensor) rather than one gain for the whole matrix.
 */
export function hasPerEntryNormGain(params: Pick<ParallelMixerParams, 'normGamma'>): boolean {
  const gamma = params.normGamma;
  return gamma !== undefined && typeof gamma !== 'number' && gamma.rank >= 2;
}

/** Throws unless the gain is one scalar (`[]`, `[1]` or a number) or a `[tokens, channels]` matrix. */
function checkGain(where: string, x: tf.Tensor, p: ParallelMixerParams): void {
  const gamma = p.normGamma;
  if (gamma === undefined || typeof gamma === 'number') return;
  const [, n, c] = x.shape as [number, number, number];
  const scalar = gamma.size === 1 && gamma.rank <= 1;
  const perEntry = gamma.rank === 2 && gamma.shape[0] === n && gamma.shape[1] === c;
  if (!scalar && !perEntry) {
    throw new Error(`${where}: normGamma must be one gain ([] or [1]) or one per entry [${n}, ${c}], got ${formatShape(gamma.shape)}.`);
  }
}

/** Throws when the gain is per entry: the energy exists only for one gain over the whole matrix. */
function requireScalarGain(where: string, p: ParallelMixerParams): void {
  if (hasPerEntryNormGain(p)) {
    throw new Error(
      `${where}: the layer norm has a gain per entry (normGamma ${formatShape((p.normGamma as tf.Tensor).shape)}); such a ` +
        'layer norm is not the gradient of any Lagrangian, so the network has no energy. Only one gain for the whole ' +
        'matrix (the scalar mode) gives the three-layer network its energy.',
    );
  }
}

/** Options of the parallel-mixer energy functions. */
export interface ParallelMixerOptions {
  /** Epsilon of the visible layer norm; default 1e-5. */
  eps?: number;
}

function check(where: string, x: tf.Tensor, p: ParallelMixerParams): void {
  assertRank(where, 'x', x, [3], '[batch, tokens, channels]');
  assertFloat(where, 'x', x);
  const [, n, c] = x.shape as [number, number, number];
  if (p.tokenWeights.rank !== 2 || p.tokenWeights.shape[1] !== n) {
    throw new Error(`${where}: tokenWeights must be [tokenHidden, ${n}] for ${n} tokens, got ${formatShape(p.tokenWeights.shape)}.`);
  }
  if (p.channelWeights.rank !== 2 || p.channelWeights.shape[1] !== c) {
    throw new Error(
      `${where}: channelWeights must be [channelHidden, ${c}] for ${c} channels, got ${formatShape(p.channelWeights.shape)}.`,
    );
  }
  checkGain(where, x, p);
  requireScalarGain(where, p);
}

/**
 * The visible activation: one layer norm over each sample's whole `[tokens, channels]` matrix,
 * `g = gamma (x - mean) / sqrt(var + eps) + delta` with the mean and the (biased) variance over all
 * `tokens * channels` entries of the sample. `gamma` is one gain or a gain per entry
 * `[tokens, channels]` (then this is PyTorch's `nn.LayerNorm((tokens, channels))`).
 *
 * @param x `[batch, tokens, channels]`
 * @returns `[batch, tokens, channels]`
 */
export function parallelMixerActivation(x: tf.Tensor, params: ParallelMixerParams, options: ParallelMixerOptions = {}): tf.Tensor {
  const eps = options.eps ?? 1e-5;
  if (!hasPerEntryNormGain(params)) {
    return layerNormLagrangian({ gamma: params.normGamma ?? 1, delta: params.normDelta ?? null, eps, axes: 'all' }).activation(x);
  }
  assertRank('parallelMixerActivation', 'x', x, [3], '[batch, tokens, channels]');
  checkGain('parallelMixerActivation', x, params);
  return tf.tidy(() => {
    const unit = layerNormLagrangian({ gamma: 1, delta: null, eps, axes: 'all' }).activation(x);
    const scaled = tf.mul(unit, params.normGamma as tf.Tensor);
    return params.normDelta ? tf.add(scaled, params.normDelta) : scaled;
  });
}

/** Hidden drives: token `[batch, channels, tokenHidden]` and channel `[batch, tokens, channelHidden]`. */
function drives(g: tf.Tensor, p: ParallelMixerParams): { tok: tf.Tensor; ch: tf.Tensor } {
  let tok = lastAxisMatMul(tf.transpose(g, [0, 2, 1]), p.tokenWeights, true);
  if (p.tokenHiddenBias) tok = tf.add(tok, p.tokenHiddenBias);
  let ch = lastAxisMatMul(g, p.channelWeights, true);
  if (p.channelHiddenBias) ch = tf.add(ch, p.channelHiddenBias);
  return { tok, ch };
}

/** `sum (b_tok[n] + b_ch[c]) g[n, c]`-shaped output bias `[tokens, channels]`, or null. */
function outputBias(p: ParallelMixerParams, n: number, c: number): tf.Tensor | null {
  const parts: tf.Tensor[] = [];
  if (p.tokenOutputBias) parts.push(tf.reshape(p.tokenOutputBias, [n, 1]));
  if (p.channelOutputBias) parts.push(tf.reshape(p.channelOutputBias, [1, c]));
  if (parts.length === 0) return null;
  return parts.length === 1 ? tf.mul(parts[0] as tf.Tensor, tf.ones([n, c])) : tf.add(parts[0] as tf.Tensor, parts[1] as tf.Tensor);
}

/**
 * Energy of the Karakida-Ota-Taki three-layer network with its hidden layers at equilibrium
 * (integrated out): with `g = LN(x)` over each sample's whole `[tokens, channels]` matrix,
 * `E = -sum Phi(W_tok g + b_tok) - sum Phi(g W_ch^T + b_ch) - sum (c_tok + c_ch) . g`,
 * `Phi` the GELU integral. Per sample `[batch]`. Needs one layer-norm gain (see
 * {@link ParallelMixerParams.normGamma}); throws for a gain per entry.
 */
export function parallelMixerEnergy(x: tf.Tensor, params: ParallelMixerParams, options: ParallelMixerOptions = {}): tf.Tensor {
  check('parallelMixerEnergy', x, params);
  return tf.tidy(() => {
    const [, n, c] = x.shape as [number, number, number];
    const g = parallelMixerActivation(x, params, options);
    const { tok, ch } = drives(g, params);
    let e = tf.neg(tf.add(tf.sum(geluIntegral(tok), [1, 2]), tf.sum(geluIntegral(ch), [1, 2])));
    const bias = outputBias(params, n, c);
    if (bias) e = tf.sub(e, tf.sum(tf.mul(g, bias), [1, 2]));
    return e;
  });
}

/**
 * Analytic gradient of {@link parallelMixerEnergy} with respect to `g`: minus the two tied MLPs,
 * `-(W_tok^T gelu(W_tok g + b_tok) + c_tok) - (gelu(g W_ch^T + b_ch) W_ch + c_ch)`, `[batch, tokens, channels]`.
 * Throws for a layer-norm gain per entry, as {@link parallelMixerEnergy}.
 */
export function parallelMixerEnergyGradient(x: tf.Tensor, params: ParallelMixerParams, options: ParallelMixerOptions = {}): tf.Tensor {
  check('parallelMixerEnergyGradient', x, params);
  return tf.tidy(() => {
    const [, n, c] = x.shape as [number, number, number];
    const g = parallelMixerActivation(x, params, options);
    const { tok, ch } = drives(g, params);
    const tokenMix = tf.transpose(lastAxisMatMul(gelu(tok), params.tokenWeights), [0, 2, 1]);
    const channelMix = lastAxisMatMul(gelu(ch), params.channelWeights);
    let mix = tf.add(tokenMix, channelMix);
    const bias = outputBias(params, n, c);
    if (bias) mix = tf.add(mix, bias);
    return tf.neg(mix);
  });
}

/** Options of {@link parallelMixerDescent}: the model's options and the descent's (`steps` default 1, `stepSize` default 1). */
export interface ParallelMixerDescentOptions extends ParallelMixerOptions, DescentSettings {}

/**
 * Energy descent of the three-layer network, `x <- x - alpha dE/dg`: with `alpha = 1` each step is
 * the symmetric parallel MLP-Mixer block `x + MLP_tok(LN x) + MLP_ch(LN x)`. For small `alpha` the
 * energy never increases (the visible layer-norm Lagrangian is convex).
 */
export function parallelMixerDescent(
  x: tf.Tensor,
  params: ParallelMixerParams,
  options: ParallelMixerDescentOptions = {},
): { state: tf.Tensor; energies: tf.Tensor | null } {
  const model = {
    energy: (state: tf.Tensor) => parallelMixerEnergy(state, params, options),
    gradient: (state: tf.Tensor) => parallelMixerEnergyGradient(state, params, options),
  };
  return energyDescent('parallelMixerDescent', x, model, options, { steps: 1, stepSize: 1 });
}
