import * as tf from '@tensorflow/tfjs-core';
import { assertRank, formatShape, layerNorm, linear, mergeHeads, splitHeads } from '@ait/core';

/** One linear map of {@link MabWeights}: `kernel [in, out]`, `bias [out]`. */
export interface LinearWeights {
  kernel: tf.Tensor;
  bias: tf.Tensor;
}

/** Weights of {@link multiheadAttentionBlock}; `norm0` / `norm1` only when it uses layer norm. */
export interface MabWeights {
  /** `[dimQ, dim]`, `[dim]`. */
  query: LinearWeights;
  /** `[dimK, dim]`, `[dim]`. */
  key: LinearWeights;
  /** `[dimK, dim]`, `[dim]`. */
  value: LinearWeights;
  /** The row-wise feed-forward `[dim, dim]`, `[dim]`. */
  output: LinearWeights;
  /** LayerNorm after the attention: `gamma [dim]`, `beta [dim]`. */
  norm0?: { gamma: tf.Tensor; beta: tf.Tensor } | null;
  /** LayerNorm after the feed-forward. */
  norm1?: { gamma: tf.Tensor; beta: tf.Tensor } | null;
}

/** Options of {@link multiheadAttentionBlock}. */
export interface MabOptions {
  /** Number of heads; `dim` must divide by it. */
  numHeads: number;
  /** LayerNorm epsilon; default 1e-5. */
  epsilon?: number;
}

/** What {@link multiheadAttentionBlock} returns. */
export interface MabResult {
  /** `[batch, n, dim]`. */
  output: tf.Tensor3D;
  /** Attention weights `[batch, heads, n, m]` (rows sum to 1). */
  attention: tf.Tensor4D;
}

/**
 * The Set Transformer's multihead attention block (Lee et al., ICML 2019), as its reference code
 * computes it: for `x [batch, n, dimQ]` and `y [batch, m, dimK]`,
 * `Q = x Wq + bq`, `K = y Wk + bk`, `V = y Wv + bv` (all `dim` wide), per head
 * `A = softmax(Q_h K_h^T / sqrt(dim))` (the full width, as the reference), and
 * `H = Q + concat_h(A V_h)` (residual on the projected query), `H = LN0(H)`,
 * `O = H + relu(H Wo + bo)`, `O = LN1(O)` (the norms only when given). Returns `O [batch, n, dim]`
 * and the attention weights. `MAB(x, x)` is the set attention block SAB.
 */
export function multiheadAttentionBlock(x: tf.Tensor, y: tf.Tensor, weights: MabWeights, options: MabOptions): MabResult {
  const where = 'multiheadAttentionBlock';
  assertRank(where, 'x', x, [3], '[batch, n, dimQ]');
  assertRank(where, 'y', y, [3], '[batch, m, dimK]');
  if (x.shape[0] !== y.shape[0]) {
    throw new Error(`${where}: x ${formatShape(x.shape)} and y ${formatShape(y.shape)} must have the same batch size.`);
  }
  const dim = weights.query.kernel.shape[1] as number;
  if (dim % options.numHeads !== 0) {
    throw new Error(`${where}: the block width ${dim} is not divisible by numHeads = ${options.numHeads}.`);
  }
  const eps = options.epsilon ?? 1e-5;
  return tf.tidy(() => {
    const q = linear(x, weights.query.kernel, weights.query.bias);
    const k = linear(y, weights.key.kernel, weights.key.bias);
    const v = linear(y, weights.value.kernel, weights.value.bias);
    const qh = splitHeads(q, options.numHeads);
    const logits = tf.mul(tf.matMul(qh, splitHeads(k, options.numHeads), false, true), 1 / Math.sqrt(dim));
    const attention = tf.softmax(logits, -1) as tf.Tensor4D;
    let h: tf.Tensor = tf.add(q, mergeHeads(tf.matMul(attention, splitHeads(v, options.numHeads))));
    if (weights.norm0) h = layerNorm(h, weights.norm0.gamma, weights.norm0.beta, eps);
    let o: tf.Tensor = tf.add(h, tf.relu(linear(h, weights.output.kernel, weights.output.bias)));
    if (weights.norm1) o = layerNorm(o, weights.norm1.gamma, weights.norm1.beta, eps);
    return { output: o as tf.Tensor3D, attention };
  });
}
