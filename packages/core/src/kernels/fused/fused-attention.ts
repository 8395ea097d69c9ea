import * as tf from '@tensorflow/tfjs-core';
import { customGradOp } from '../gradients/custom-grad-op';

/** Options of {@link fusedScaledDotProductAttention} and {@link plainScaledDotProductAttention}. */
export interface FusedScaledDotProductAttentionOptions {
  /** Multiplies the logits; default `1 / sqrt(headDim)`. */
  scale?: number;
  /**
   * Added to the logits `[..., queries, keys]` before the softmax (broadcast), e.g. `-1e9` at
   * masked positions. It receives no gradient.
   */
  mask?: tf.Tensor;
}

/**
 * The fused kernel behind {@link scaledDotProductAttention} (it is to that op what `fusedGelu` is
 * to `gelu`): multi-head scaled dot-product attention with a hand-written backward pass, returning
 * only the output (no weights, an additive mask, no dropout):
 * `softmax(q k^T * scale + mask) v` for `q` `[..., queries, d]`, `k` `[..., keys, d]`, `v`
 * `[..., keys, dv]` (leading axes, e.g. `[batch, heads]`, equal) -> `[..., queries, dv]`. The
 * scale is folded into `q` (cheaper than scaling the logits when `d < keys`), and the backward
 * pass reuses the saved probabilities: `dv = p^T do`, `ds = p * (do v^T - rowsum(p * do v^T))`,
 * `dq = ds k * scale`, `dk = ds^T q * scale`. Every product runs as one batched matmul (the fast
 * kernels keep all transpose cases fast). Equal to the plain definition within float32 rounding.
 */
export function fusedScaledDotProductAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  options: FusedScaledDotProductAttentionOptions = {},
): tf.Tensor {
  if (q.rank < 2 || k.rank !== q.rank || v.rank !== q.rank) {
    throw new Error(
      `fusedScaledDotProductAttention: q, k, v must have the same rank >= 2, got [${q.shape.join(', ')}], ` +
        `[${k.shape.join(', ')}], [${v.shape.join(', ')}].`,
    );
  }
  const r = q.rank;
  const d = q.shape[r - 1] as number;
  if (k.shape[r - 1] !== d || k.shape[r - 2] !== v.shape[r - 2]) {
    throw new Error(
      `fusedScaledDotProductAttention: need q [..., n, d], k [..., m, d], v [..., m, dv]; got q [${q.shape.join(', ')}], ` +
        `k [${k.shape.join(', ')}], v [${v.shape.join(', ')}].`,
    );
  }
  const scale = options.scale ?? 1 / Math.sqrt(d);
  const mask = options.mask;
  const f = customGradOp<tf.Tensor>((inputs, save) => {
    const [qs, ks, vs] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor];
    const qScaled = tf.mul(qs, scale);
    let logits = tf.matMul(qScaled, ks, false, true);
    if (mask) logits = tf.add(logits, mask);
    const p = tf.softmax(logits);
    save([qScaled, ks, vs, p]);
    return {
      value: tf.matMul(p, vs),
      gradFunc: (dO, saved) => {
        const [sQ, sK, sV, sP] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const dV = tf.matMul(sP, dO, true, false);
        const dP = tf.matMul(dO, sV, false, true);
        const dS = tf.mul(sP, tf.sub(dP, tf.sum(tf.mul(dP, sP), -1, true)));
        const dQ = tf.mul(tf.matMul(dS, sK), scale);
        const dK = tf.matMul(dS, sQ, true, false);
        return [dQ, dK, dV];
      },
    };
  });
  return f(q, k, v);
}

/**
 * The plain definition `softmax(q k^T * scale + mask) v` (automatic differentiation), what
 * {@link fusedScaledDotProductAttention} is checked and benchmarked against.
 */
export function plainScaledDotProductAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  options: FusedScaledDotProductAttentionOptions = {},
): tf.Tensor {
  return tf.tidy(() => {
    const scale = options.scale ?? 1 / Math.sqrt(q.shape[q.rank - 1] as number);
    let logits = tf.mul(tf.matMul(q, k, false, true), scale);
    if (options.mask) logits = tf.add(logits, options.mask);
    return tf.matMul(tf.softmax(logits), v);
  });
}

/** @deprecated Renamed {@link FusedScaledDotProductAttentionOptions}; this name will be removed in a later minor version. */
export type FusedAttentionOptions = FusedScaledDotProductAttentionOptions;

/** @deprecated Renamed {@link fusedScaledDotProductAttention}; this name will be removed in a later minor version. */
export const fusedAttention: typeof fusedScaledDotProductAttention = fusedScaledDotProductAttention;

/** @deprecated Renamed {@link plainScaledDotProductAttention}; this name will be removed in a later minor version. */
export const plainAttention: typeof plainScaledDotProductAttention = plainScaledDotProductAttention;
