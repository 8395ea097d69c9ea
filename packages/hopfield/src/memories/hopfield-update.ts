import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, assertRank, formatShape, hostValues } from '@ait/core';
import { lastAxisMatMul } from '../ops/last-axis-matmul';
import { assertBeta } from './modern-energy';

/** Options of {@link hopfieldUpdate}. */
export interface HopfieldUpdateOptions {
  /** Inverse temperature; default `1 / sqrt(dim)`. */
  beta?: number;
  /**
   * What the association weights average: `[patterns, valueDim]` or `[batch, patterns, valueDim]`;
   * default the stored patterns themselves (the Hopfield update proper).
   */
  values?: tf.Tensor | null;
}

/** Options of {@link hopfieldIterate}. */
export interface HopfieldIterateOptions {
  /** Inverse temperature; default `1 / sqrt(dim)`. */
  beta?: number;
  /** Largest number of updates; default 1 (one step, as AiT). */
  steps?: number;
  /** Stop once no association weight changes by more than this; default 1e-4. */
  eps?: number;
}

/** What {@link hopfieldIterate} returns; the caller owns the tensors. */
export interface HopfieldIteration {
  /** The state after the last update: `[batch, tokens, dim]`. */
  retrieved: tf.Tensor3D;
  /** The association weights that produced it (`retrieved = associations G`): `[batch, tokens, patterns]`. */
  associations: tf.Tensor3D;
  /** Updates performed. */
  steps: number;
}

function checkPair(where: string, state: tf.Tensor, patterns: tf.Tensor): void {
  assertRank(where, 'state', state, [3], '[batch, tokens, dim]');
  assertRank(where, 'patterns', patterns, [2, 3], '[patterns, dim] or [batch, patterns, dim]');
  assertFloat(where, 'state', state);
  assertFloat(where, 'patterns', patterns);
  const dim = state.shape[2];
  if (patterns.shape[patterns.rank - 1] !== dim) {
    throw new Error(
      `${where}: patterns ${formatShape(patterns.shape)} must have the state's width ${dim} (state ${formatShape(state.shape)}).`,
    );
  }
  if (patterns.rank === 3 && patterns.shape[0] !== state.shape[0]) {
    throw new Error(
      `${where}: batched patterns ${formatShape(patterns.shape)} must have the state's batch size ${state.shape[0]}; ` +
        `give shared patterns as [patterns, dim].`,
    );
  }
}

/** `state [B, T, d]` times the rows of `patterns` (`[N, d]` shared or `[B, N, d]`): `[B, T, N]`. */
function overlaps(state: tf.Tensor, patterns: tf.Tensor): tf.Tensor {
  return patterns.rank === 2 ? lastAxisMatMul(state, patterns, true) : tf.matMul(state, patterns, false, true);
}

/** Weights `[B, T, N]` times `values` (`[N, v]` shared or `[B, N, v]`): `[B, T, v]`. */
function mix(weights: tf.Tensor, values: tf.Tensor): tf.Tensor3D {
  return (values.rank === 2 ? lastAxisMatMul(weights, values) : tf.matMul(weights, values)) as tf.Tensor3D;
}

/**
 * One step of continuous modern Hopfield retrieval, the memory read of the Associative
 * Transformer: `R = softmax(beta Z G^T) G` for states (tokens) `Z` and stored patterns (priors) `G`.
 *
 * Shapes: `state [batch, tokens, dim]`, `patterns [patterns, dim]` (shared) or
 * `[batch, patterns, dim]` -> `[batch, tokens, dim]` (or `[batch, tokens, valueDim]` with `values`).
 * Differentiable in the state, the patterns and the values.
 */
export function hopfieldUpdate(state: tf.Tensor, patterns: tf.Tensor, options: HopfieldUpdateOptions = {}): tf.Tensor3D {
  const where = 'hopfieldUpdate';
  checkPair(where, state, patterns);
  const beta = options.beta ?? 1 / Math.sqrt(state.shape[2] as number);
  assertBeta(where, beta);
  const values = options.values ?? null;
  if (values !== null) {
    assertRank(where, 'values', values, [2, 3], '[patterns, valueDim] or [batch, patterns, valueDim]');
    const n = patterns.shape[patterns.rank - 2];
    if (values.shape[values.rank - 2] !== n || (values.rank === 3 && values.shape[0] !== state.shape[0])) {
      throw new Error(
        `${where}: values ${formatShape(values.shape)} must hold one row per stored pattern (${n}) and, when batched, ` +
          `the state's batch size ${state.shape[0]}.`,
      );
    }
  }
  return tf.tidy(() => mix(tf.softmax(tf.mul(overlaps(state, patterns), beta), -1), values ?? patterns));
}

/**
 * Iterated continuous modern Hopfield retrieval: repeats `Z <- softmax(beta Z G^T) G` until no
 * association weight changes by more than `eps` between two updates, or `steps` updates.
 *
 * Shapes as {@link hopfieldUpdate}. Differentiable (gradients flow through every update taken).
 * On backends that keep tensors in host memory (cpu, wasm, tensorflow) checking `eps` reads one
 * number per update and stops early. On GPU backends (webgpu, webgl), which cannot be read
 * synchronously, the check runs on the device: all `steps` updates run, those after convergence
 * leave the state and weights unchanged (the same result), and `steps` reports the updates run.
 */
export function hopfieldIterate(state: tf.Tensor, patterns: tf.Tensor, options: HopfieldIterateOptions = {}): HopfieldIteration {
  const where = 'hopfieldIterate';
  checkPair(where, state, patterns);
  const beta = options.beta ?? 1 / Math.sqrt(state.shape[2] as number);
  assertBeta(where, beta);
  const steps = options.steps ?? 1;
  const eps = options.eps ?? 1e-4;
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`${where}: steps must be an integer >= 1, got ${steps}.`);
  if (!(eps >= 0)) throw new Error(`${where}: eps must be a number >= 0, got ${eps}.`);
  const associate = (z: tf.Tensor): tf.Tensor3D => tf.tidy(() => tf.softmax(tf.mul(overlaps(z, patterns), beta), -1) as tf.Tensor3D);
  let z: tf.Tensor3D = tf.clone(state) as tf.Tensor3D;
  let a = associate(z);
  let taken = 0;
  // GPU backends: whether the weights have converged, kept on the device (null: not yet checked there)
  let done: tf.Scalar | null = null;
  try {
    for (;;) {
      const frozen: tf.Scalar | null = done;
      const next: tf.Tensor3D = tf.tidy(() => (frozen ? (tf.where(frozen, z, mix(a, patterns)) as tf.Tensor3D) : mix(a, patterns)));
      z.dispose();
      z = next;
      taken += 1;
      if (taken === steps) break;
      const nextA = associate(z);
      const change = tf.tidy(() => tf.max(tf.abs(tf.sub(nextA, a))));
      const host = hostValues(change);
      if (host !== null) {
        change.dispose();
        if ((host[0] as number) <= eps) {
          nextA.dispose();
          break;
        }
        a.dispose();
        a = nextA;
        continue;
      }
      const nowDone: tf.Scalar = tf.tidy(() => {
        const converged = tf.lessEqual(change, eps);
        return (frozen ? tf.logicalOr(frozen, converged) : converged) as tf.Scalar;
      });
      const kept: tf.Tensor3D = tf.tidy(() => tf.where(nowDone, a, nextA) as tf.Tensor3D);
      tf.dispose([change, nextA, a]);
      frozen?.dispose();
      a = kept;
      done = nowDone;
    }
  } finally {
    done?.dispose();
  }
  return { retrieved: z, associations: a, steps: taken };
}
