import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, formatShape } from '@ait/core';

/** Stored patterns brought to rank 3: `[patternBatch, patterns, dim]` (`patternBatch` is 1 for shared patterns). */
export interface CanonicalPatterns {
  /** `[patternBatch, patterns, dim]`. */
  readonly patterns: tf.Tensor3D;
  /** Whether the caller gave one pattern set per batch element (rank 3). */
  readonly batched: boolean;
}

/**
 * Checks stored patterns `[patterns, dim]` (shared by every state) or `[batch, patterns, dim]`
 * (one set per batch element) and returns them as rank 3. The result is a new tensor.
 */
export function canonicalPatterns(where: string, patterns: tf.Tensor): CanonicalPatterns {
  assertFloat(where, 'the stored patterns', patterns);
  if (patterns.rank !== 2 && patterns.rank !== 3) {
    throw new Error(
      `${where}: stored patterns must have shape [patterns, dim] or [batch, patterns, dim], got ${formatShape(patterns.shape)}.`,
    );
  }
  if (patterns.shape.some((d) => d === 0)) {
    throw new Error(`${where}: stored patterns ${formatShape(patterns.shape)} are empty; store at least one pattern of width >= 1.`);
  }
  const batched = patterns.rank === 3;
  const p3 = batched ? (tf.clone(patterns) as tf.Tensor3D) : (tf.expandDims(patterns, 0) as tf.Tensor3D);
  return { patterns: p3, batched };
}

/** A state brought to rank 3 `[batch, queries, dim]`, and how to undo it. */
export interface CanonicalState {
  /** `[batch, queries, dim]`. */
  readonly state: tf.Tensor3D;
  /** The leading axes of the caller's state (all but the last). */
  readonly leading: readonly number[];
}

/**
 * Brings a state to `[batch, queries, dim]` for patterns of width `dim`.
 *
 * - Shared patterns (`patternBatch === null`): any state `[..., dim]` becomes `[1, prod(...), dim]`.
 * - Batched patterns `[B, N, dim]`: the state must be `[B, dim]` (one query each) or `[B, queries, dim]`.
 */
export function canonicalState(where: string, state: tf.Tensor, dim: number, patternBatch: number | null): CanonicalState {
  assertFloat(where, 'the state', state);
  if (state.rank < 1 || state.shape[state.rank - 1] !== dim) {
    throw new Error(
      `${where}: the state must have shape [..., ${dim}] to match the stored patterns of width ${dim}, got ${formatShape(state.shape)}.`,
    );
  }
  const leading = state.shape.slice(0, -1);
  if (patternBatch === null) {
    const q = leading.reduce((a, b) => a * b, 1);
    return { state: tf.reshape(state, [1, q, dim]) as tf.Tensor3D, leading };
  }
  if (state.rank === 2 && state.shape[0] === patternBatch) {
    return { state: tf.reshape(state, [patternBatch, 1, dim]) as tf.Tensor3D, leading };
  }
  if (state.rank === 3 && state.shape[0] === patternBatch) {
    return { state: tf.clone(state) as tf.Tensor3D, leading };
  }
  throw new Error(
    `${where}: with one pattern set per batch element ([${patternBatch}, patterns, ${dim}]) the state must have shape ` +
      `[${patternBatch}, ${dim}] or [${patternBatch}, queries, ${dim}], got ${formatShape(state.shape)}.`,
  );
}

/** Reshapes `[batch, queries, ...tail]` back to `[...leading, ...tail]`. */
export function restoreLeading(t: tf.Tensor, leading: readonly number[], tail: readonly number[]): tf.Tensor {
  return tf.reshape(t, [...leading, ...tail]);
}

/**
 * `perPattern(x_mu . s)` for every state `s [..., dim]` and stored pattern `x_mu` of the canonical
 * patterns `p3 [patternBatch, patterns, dim]` (see {@link canonicalPatterns}): `[..., patterns]`.
 * `perPattern` maps the dot products `[batch, queries, patterns]` to a tensor of the same shape
 * (a scaling, a softmax over the patterns). The state is checked as {@link canonicalState} checks it.
 */
export function patternOverlaps(
  where: string,
  state: tf.Tensor,
  p3: tf.Tensor3D,
  patternBatch: number | null,
  perPattern: (dots: tf.Tensor) => tf.Tensor,
): tf.Tensor {
  const [, numPatterns, dim] = p3.shape;
  return tf.tidy(() => {
    const { state: s, leading } = canonicalState(where, state, dim, patternBatch);
    return restoreLeading(perPattern(tf.matMul(s, p3, false, true)), leading, [numPatterns]);
  });
}
