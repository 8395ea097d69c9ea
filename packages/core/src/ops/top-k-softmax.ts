import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, assertMinRank, assertPositiveInt } from './assert-shape';

/** What {@link topKSoftmax} returns; both have the shape of the logits. */
export interface TopKSoftmaxResult {
  /** Softmax over each row's k kept entries; every other entry is exactly 0. Rows sum to 1. */
  weights: tf.Tensor;
  /** 1 where an entry is among its row's k largest, else 0 (float32, no gradient). */
  gate: tf.Tensor;
}

/**
 * Builds the 0/1 top-k gate of `logits [..., cols]` by scattering `tf.topk` indices; no tensor of
 * shape `[rows, k, cols]` is ever made. Runs inside `customGrad` so that `topk` (which has no
 * gradient in tfjs) never enters the gradient tape.
 */
function buildGate(logits: tf.Tensor, k: number): tf.Tensor {
  const cols = logits.shape[logits.rank - 1] as number;
  const rows = logits.size / cols;
  const flat = tf.reshape(logits, [rows, cols]);
  const { indices } = tf.topk(flat, k, true);
  const rowIds = tf.broadcastTo(tf.reshape(tf.range(0, rows, 1, 'int32'), [rows, 1]), [rows, k]);
  const coords = tf.reshape(tf.stack([rowIds, indices], 2), [rows * k, 2]);
  const gate = tf.scatterND(coords, tf.ones([rows * k], 'float32'), [rows, cols]);
  return tf.reshape(gate, logits.shape);
}

/**
 * The top-k gate of `logits [..., cols]` as a differentiation-safe tensor: 1 where an entry is
 * among the k largest of its row (ties broken like `tf.topk`: lower index first), else 0.
 * Its gradient with respect to the logits is defined as zero.
 */
export function topKGate(logits: tf.Tensor, k: number): tf.Tensor {
  assertMinRank('topKGate', 'logits', logits, 1, '[..., cols]');
  assertPositiveInt('topKGate', 'k', k);
  const cols = logits.shape[logits.rank - 1] as number;
  if (k >= cols) return tf.onesLike(logits);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: buildGate(args[0] as tf.Tensor, k),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  return op(logits);
}

/**
 * Softmax of `logits` restricted to the entries where `gate` is 1, over the last axis; the
 * gradient reaches the kept logits only: `dlogits = w * (dy - sum(dy * w))`. Each row must keep at
 * least its maximum (true for a top-k gate).
 */
function gatedSoftmax(logits: tf.Tensor, gate: tf.Tensor): tf.Tensor {
  const gateShape = gate.shape;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, g, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const shifted = tf.exp(tf.sub(x, tf.max(x, -1, true)));
    const e = tf.mul(shifted, g);
    const w = tf.div(e, tf.sum(e, -1, true));
    save([w]);
    return {
      value: w,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const ws = saved[0] as tf.Tensor;
        const dx = tf.mul(ws, tf.sub(dy, tf.sum(tf.mul(dy, ws), -1, true)));
        return [dx, tf.zeros(gateShape)];
      },
    };
  });
  return op(logits, gate);
}

/**
 * Top-k sparse softmax over the last axis of `logits [..., cols]`: every row keeps exactly its
 * `k` largest entries (ties broken like `tf.topk`, lower index first), the softmax runs over those
 * k only, and every other entry gets weight exactly 0. With `k >= cols` it is the plain softmax
 * (gate all ones).
 *
 * Gradients flow through the kept logits (as for a softmax over them); the selection itself is
 * not differentiated. Memory stays `O(size(logits))`: the gate is scattered from `tf.topk`
 * indices, never built as a `[rows, k, cols]` one-hot.
 *
 * @returns `weights` and `gate`, both shaped like `logits`.
 */
export function topKSoftmax(logits: tf.Tensor, k: number): TopKSoftmaxResult {
  assertMinRank('topKSoftmax', 'logits', logits, 1, '[..., cols]');
  assertFloat('topKSoftmax', 'logits', logits);
  assertPositiveInt('topKSoftmax', 'k', k);
  const cols = logits.shape[logits.rank - 1] as number;
  return tf.tidy(() => {
    if (k >= cols) return { weights: tf.softmax(logits, -1), gate: tf.onesLike(logits) };
    const gate = topKGate(logits, k);
    return { weights: gatedSoftmax(logits, gate), gate };
  });
}
