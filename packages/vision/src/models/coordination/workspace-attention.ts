import * as tf from '@tensorflow/tfjs-core';
import { topKGate } from '@ait/core';

/** What {@link workspaceWriteWeights} returns; both `[..., slots, tokens]`. */
export interface WorkspaceWriteWeights {
  /** The write weights: each slot's softmax over the tokens, kept only at its top-k tokens. */
  weights: tf.Tensor;
  /** 1 where a slot kept a token, else 0 (no gradient). */
  gate: tf.Tensor;
}

/**
 * The shared workspace's competitive write (Goyal et al. 2022, as in the reference code):
 * `p = softmax(logits)` over the tokens (last axis), then every slot keeps only its `topK`
 * largest entries, all others are set to 0. By default the kept weights are *not* renormalised
 * (the reference multiplies the softmax by the top-k mask), so a row sums to at most 1; with
 * `renormalize` the softmax runs over the kept entries only (rows sum to 1).
 *
 * Shapes: `logits [..., slots, tokens]` -> weights and gate of the same shape. Gradients flow
 * through the kept entries; the selection itself is not differentiated. `topK >= tokens` keeps
 * everything.
 */
export function workspaceWriteWeights(logits: tf.Tensor, topK: number, renormalize = false): WorkspaceWriteWeights {
  return tf.tidy(() => {
    const gate = topKGate(logits, topK);
    if (!renormalize) return { weights: tf.mul(tf.softmax(logits, -1), gate), gate };
    // Softmax over the kept entries: blocked logits get a very negative offset (exp underflows to 0).
    const blocked = tf.mul(tf.sub(1, gate), -1e9);
    return { weights: tf.mul(tf.softmax(tf.add(logits, blocked), -1), gate), gate };
  });
}
