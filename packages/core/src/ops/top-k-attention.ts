import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, assertMinRank, assertPositiveInt, formatShape } from './assert-shape';
import { topKSoftmax } from './top-k-softmax';

/** What {@link topKAttention} returns. */
export interface TopKAttentionResult {
  /** `[..., tq, dv]`. */
  output: tf.Tensor;
  /** Top-k softmax weights `[..., tq, tk]`: k non-zeros per query row, summing to 1. */
  weights: tf.Tensor;
  /** 0/1 mask of the kept entries `[..., tq, tk]` (no gradient). */
  gate: tf.Tensor;
}

/** The broadcast of the leading (batch-like) axes of `xs`, numpy rules; throws if they do not broadcast. */
function broadcastLeading(where: string, xs: readonly tf.Tensor[]): number[] {
  const leads = xs.map((x) => x.shape.slice(0, -2));
  const rank = Math.max(...leads.map((l) => l.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let size = 1;
    for (const l of leads) {
      const d = l[l.length - rank + i] ?? 1;
      if (d !== 1 && size !== 1 && d !== size) {
        throw new Error(`${where}: the leading axes of q, k and v (${xs.map((x) => formatShape(x.shape)).join(', ')}) do not broadcast.`);
      }
      if (d !== 1) size = d;
    }
    out.push(size);
  }
  return out;
}

/** `x [..., a, b]` broadcast to `[...lead, a, b]` (a no-op when it already has that shape). */
function expandTo(x: tf.Tensor, lead: readonly number[]): tf.Tensor {
  const target = [...lead, ...x.shape.slice(-2)];
  if (tf.util.arraysEqual(x.shape, target)) return x;
  const padded = tf.reshape(x, [...new Array<number>(target.length - x.rank).fill(1), ...x.shape]);
  return tf.broadcastTo(padded, target);
}

/**
 * Attention in which every query keeps only its `topK` largest logits:
 * `weights = topKSoftmax(q k^T * scale, topK)`, `output = weights v`.
 *
 * Shapes: `q [..., tq, d]`, `k [..., tk, d]`, `v [..., tk, dv]`; the leading axes broadcast
 * (e.g. `q [heads, tq, d]` against `k [batch, heads, tk, d]`), and gradients are summed over
 * the broadcast axes. AiT's bottleneck write uses it with the memory slots as queries and the
 * tokens as keys, so each slot selects `topK` tokens.
 *
 * @param options.scale Logit scale; default `1 / sqrt(d)`.
 */
export function topKAttention(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  topK: number,
  options: { scale?: number } = {},
): TopKAttentionResult {
  const where = 'topKAttention';
  assertMinRank(where, 'q', q, 2, '[..., tq, d]');
  assertMinRank(where, 'k', k, 2, '[..., tk, d]');
  assertMinRank(where, 'v', v, 2, '[..., tk, dv]');
  assertFloat(where, 'q', q);
  assertFloat(where, 'k', k);
  assertFloat(where, 'v', v);
  assertPositiveInt(where, 'topK', topK);
  const d = q.shape[q.rank - 1] as number;
  if (k.shape[k.rank - 1] !== d) {
    throw new Error(`${where}: q ${formatShape(q.shape)} and k ${formatShape(k.shape)} must share the last dimension.`);
  }
  if (k.shape[k.rank - 2] !== v.shape[v.rank - 2]) {
    throw new Error(`${where}: k ${formatShape(k.shape)} and v ${formatShape(v.shape)} must have the same number of keys.`);
  }
  const scale = options.scale ?? 1 / Math.sqrt(d);
  if (!Number.isFinite(scale)) throw new Error(`${where}: scale must be a finite number, got ${scale}.`);
  const lead = broadcastLeading(where, [q, k, v]);
  return tf.tidy(() => {
    // Broadcast explicitly: tfjs' BatchMatMul gradient does not reduce over broadcast batch axes.
    const qb = expandTo(q, lead);
    const kb = expandTo(k, lead);
    const vb = expandTo(v, lead);
    const logits = tf.mul(tf.matMul(qb, kb, false, true), scale);
    const { weights, gate } = topKSoftmax(logits, topK);
    return { output: tf.matMul(weights, vb), weights, gate };
  });
}
