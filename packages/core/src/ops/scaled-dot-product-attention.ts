import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, assertRank, formatShape } from './assert-shape';
import { dropout } from './dropout';

/** Options of {@link scaledDotProductAttention}. */
export interface AttentionOptions {
  /**
   * Which keys each query may attend to, broadcastable (numpy rules, aligned on the right) to
   * `[batch, heads, tq, tk]`: non-zero / `true` = attend, `0` / `false` = blocked. A query whose
   * keys are all blocked gets all-zero weights and a zero output (never NaN).
   */
  mask?: tf.Tensor | null;
  /** Logit scale; default `1 / sqrt(d)`. */
  scale?: number;
  /** Dropout rate on the attention weights (applied only when `training`); default 0. */
  dropoutRate?: number;
  /** Whether this is a training pass (turns attention dropout on); default false. */
  training?: boolean;
  /** Seed of the dropout mask; default drawn from `globalRng()`. */
  seed?: number;
}

/** What {@link scaledDotProductAttention} returns. */
export interface AttentionResult {
  /** `[batch, heads, tq, dv]`. */
  output: tf.Tensor4D;
  /** Softmax attention weights `[batch, heads, tq, tk]` before dropout (rows sum to 1, or to 0 if fully blocked). */
  weights: tf.Tensor4D;
}

/** Value added to blocked logits before the softmax; exp of it underflows to exactly 0 in float32. */
const BLOCKED_LOGIT = -1e9;

/**
 * Checks that `mask` broadcasts to `target` and returns it as a float32 0/1 tensor of the same
 * shape as `mask`.
 */
function maskToFloat(where: string, mask: tf.Tensor, target: readonly number[]): tf.Tensor {
  const ok =
    mask.rank <= target.length &&
    mask.shape.every((d, i) => {
      const t = target[target.length - mask.rank + i] as number;
      return d === 1 || d === t;
    });
  if (!ok) {
    throw new Error(
      `${where}: mask of shape ${formatShape(mask.shape)} does not broadcast to [batch, heads, tq, tk] = ` +
        `${formatShape(target)}. Give it shape [tq, tk], [batch, 1, tq, tk], [batch, 1, 1, tk] or similar ` +
        `(size-1 axes broadcast).`,
    );
  }
  return mask.dtype === 'bool' ? tf.cast(mask, 'float32') : tf.cast(tf.notEqual(mask, 0), 'float32');
}

/**
 * Scaled dot-product attention: `weights = softmax(q k^T * scale)` over the keys (masked), and
 * `output = dropout(weights) v`.
 *
 * Shapes: `q [batch, heads, tq, d]`, `k [batch, heads, tk, d]`, `v [batch, heads, tk, dv]`
 * -> `output [batch, heads, tq, dv]`, `weights [batch, heads, tq, tk]`. Use {@link splitHeads}
 * to get there from `[batch, tokens, heads * d]`.
 *
 * Blocked entries get weight exactly 0; fully blocked rows give zero weights and zero output.
 * Gradients flow to `q`, `k` and `v`.
 */
export function scaledDotProductAttention(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, options: AttentionOptions = {}): AttentionResult {
  const where = 'scaledDotProductAttention';
  assertRank(where, 'q', q, [4], '[batch, heads, tq, d]');
  assertRank(where, 'k', k, [4], '[batch, heads, tk, d]');
  assertRank(where, 'v', v, [4], '[batch, heads, tk, dv]');
  assertFloat(where, 'q', q);
  assertFloat(where, 'k', k);
  assertFloat(where, 'v', v);
  const [batch, heads, tq, d] = q.shape as [number, number, number, number];
  const tk = k.shape[2] as number;
  if (k.shape[0] !== batch || k.shape[1] !== heads || k.shape[3] !== d) {
    throw new Error(
      `${where}: k must have shape [${batch}, ${heads}, tk, ${d}] to match q ${formatShape(q.shape)}, ` + `got ${formatShape(k.shape)}.`,
    );
  }
  if (v.shape[0] !== batch || v.shape[1] !== heads || v.shape[2] !== tk) {
    throw new Error(
      `${where}: v must have shape [${batch}, ${heads}, ${tk}, dv] to match k ${formatShape(k.shape)}, ` + `got ${formatShape(v.shape)}.`,
    );
  }
  const scale = options.scale ?? 1 / Math.sqrt(d);
  if (!Number.isFinite(scale)) throw new Error(`${where}: scale must be a finite number, got ${scale}.`);
  const rate = options.dropoutRate ?? 0;
  const training = options.training ?? false;
  const seed = rate > 0 && training ? options.seed : undefined;
  return tf.tidy(() => {
    let logits: tf.Tensor = tf.mul(tf.matMul(q, k, false, true), scale);
    let m: tf.Tensor | null = null;
    if (options.mask != null) {
      m = maskToFloat(where, options.mask, [batch, heads, tq, tk]);
      logits = tf.add(tf.mul(logits, m), tf.mul(tf.sub(m, 1), -BLOCKED_LOGIT));
    }
    let weights: tf.Tensor = tf.softmax(logits, -1);
    // Rows with every key blocked are uniform after the softmax; the product zeroes them.
    if (m !== null) weights = tf.mul(weights, m);
    const dropped = dropout(weights, rate, training, seed);
    const output = tf.matMul(dropped, v);
    return { output: output as tf.Tensor4D, weights: weights as tf.Tensor4D };
  });
}
