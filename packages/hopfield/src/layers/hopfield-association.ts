import * as tf from '@tensorflow/tfjs-core';
import { assertFloat, assertRank, formatShape, hostValues } from '@ait/core';

/** Update count used when `updateStepsMax` is `null` ("until converged"), as a guard against non-termination. */
export const UNBOUNDED_UPDATE_STEPS = 1000;

/** Options of {@link hopfieldAssociation}. */
export interface HopfieldAssociationOptions {
  /** Inverse temperature, one number for every head or one per head (`[heads]`). */
  beta: number | readonly number[];
  /**
   * Which stored patterns each state may associate with, broadcastable to `[batch, heads, L, S]`:
   * 1 = allowed, 0 = blocked. States with every pattern blocked get all-zero associations.
   */
  mask?: tf.Tensor | null;
  /**
   * Largest number of state updates after the first association: 0 (default) associates once
   * without updating the state (one attention step); `k` allows `k` updates
   * `q <- softmax(beta q K^T) K`; `null` iterates until every head has converged
   * (at most {@link UNBOUNDED_UPDATE_STEPS}).
   */
  updateStepsMax?: number | null;
  /**
   * A head stops updating once, for every batch element, the Frobenius norm of the change of its
   * association matrix `[L, S]` is at most this; one number or one per head. Default 1e-4.
   */
  updateStepsEps?: number | readonly number[];
  /** Whether to return the energy of the state after every update; default false. */
  recordEnergies?: boolean;
}

/** What {@link hopfieldAssociation} returns; the caller owns the tensors. */
export interface HopfieldAssociationResult {
  /** Association weights of the final state: `[batch, heads, L, S]`. */
  associations: tf.Tensor4D;
  /** The final state in the Hopfield space: `[batch, heads, L, d]`. */
  state: tf.Tensor4D;
  /**
   * Updates performed by the longest-running head. On GPU backends (webgpu, webgl), where the
   * convergence test runs on the device, every update up to `updateStepsMax` runs (converged
   * heads stay unchanged) and this is `updateStepsMax`.
   */
  steps: number;
  /** Updates performed by each head (on GPU backends: the updates run, see `steps`). */
  headSteps: number[];
  /**
   * With `recordEnergies`: the modern Hopfield energy of each state before any update (row 0)
   * and after each update, `[steps + 1, batch, heads, L]` (0 for fully blocked states); else null.
   */
  energies: tf.Tensor | null;
}

/** Value added to blocked logits; its exponential underflows to 0 in float32. */
const BLOCKED = -1e9;

/** Per-head values `[heads]` from one number or a list; checks the length and the sign. */
export function perHead(where: string, what: string, value: number | readonly number[], heads: number): number[] {
  const list = typeof value === 'number' ? Array.from({ length: heads }, () => value) : [...value];
  if (list.length !== heads) {
    throw new Error(`${where}: ${what} has ${list.length} entries but there are ${heads} heads; give one number or one per head.`);
  }
  for (const v of list) {
    if (!Number.isFinite(v) || v <= 0) throw new Error(`${where}: every ${what} must be a finite number > 0, got ${v}.`);
  }
  return list;
}

function maskToFloat(where: string, mask: tf.Tensor, target: readonly number[]): tf.Tensor {
  const fits =
    mask.rank <= 4 &&
    mask.shape.every((d, i) => {
      const t = target[4 - mask.rank + i] as number;
      return d === 1 || d === t;
    });
  if (!fits) {
    throw new Error(
      `${where}: mask of shape ${formatShape(mask.shape)} does not broadcast to [batch, heads, L, S] = ${formatShape(target)}; ` +
        `use [L, S], [batch, 1, L, S] or [batch, 1, 1, S] (1 = associate, 0 = blocked).`,
    );
  }
  return mask.dtype === 'bool' ? tf.cast(mask, 'float32') : tf.cast(tf.notEqual(mask, 0), 'float32');
}

/**
 * Modern Hopfield energy of states `q [b, h, L, d]` given stored patterns `k [b, h, S, d]`, per
 * head inverse temperature `beta [1, h, 1, 1]` and 0/1 `mask [.., L, S]` (or null):
 * `-lse(beta, k q) + 1/2 q.q + ln(N)/beta + 1/2 M^2` over the allowed patterns -> `[b, h, L]`.
 */
function stateEnergy(q: tf.Tensor, k: tf.Tensor, beta: tf.Tensor, mask: tf.Tensor | null): tf.Tensor {
  return tf.tidy(() => {
    const b3 = tf.squeeze(beta, [3]);
    let logits = tf.mul(tf.matMul(q, k, false, true), beta);
    const normsSq = tf.expandDims(tf.sum(tf.square(k), -1), 2);
    let count: tf.Tensor;
    let maxNormSq: tf.Tensor;
    if (mask) {
      logits = tf.add(tf.mul(logits, mask), tf.mul(tf.sub(mask, 1), -BLOCKED));
      const full = tf.mul(mask, tf.onesLike(logits));
      count = tf.sum(full, -1);
      maxNormSq = tf.max(tf.add(tf.mul(normsSq, full), tf.mul(tf.sub(full, 1), 1e30)), -1);
    } else {
      count = tf.fill([1, 1, 1], k.shape[2] as number);
      maxNormSq = tf.max(normsSq, -1);
    }
    const lse = tf.div(tf.logSumExp(logits, -1), b3);
    const e = tf.add(
      tf.sub(tf.mul(0.5, tf.sum(tf.square(q), -1)), lse),
      tf.add(tf.div(tf.log(tf.maximum(count, 1)), b3), tf.mul(0.5, maxNormSq)),
    );
    return tf.where(tf.greater(count, 0), e, tf.zerosLike(e));
  });
}

/**
 * The association core of the Hopfield layers: multi-head continuous modern Hopfield retrieval
 * with per-head inverse temperatures, masks and iteration to a tolerance.
 *
 * `xi = softmax(beta_h q k^T)` per head; while a head is still active the state is updated,
 * `q <- xi k`, and associated again. Shapes: `q [batch, heads, L, d]` (state patterns),
 * `k [batch, heads, S, d]` (stored patterns) -> associations `[batch, heads, L, S]`. Multiply the
 * associations by the pattern projections `[batch, heads, S, dv]` for the layer output.
 * Differentiable; with updates, each step reads the per-head change back from the backend.
 */
export function hopfieldAssociation(q: tf.Tensor, k: tf.Tensor, options: HopfieldAssociationOptions): HopfieldAssociationResult {
  const where = 'hopfieldAssociation';
  assertRank(where, 'q', q, [4], '[batch, heads, L, d]');
  assertRank(where, 'k', k, [4], '[batch, heads, S, d]');
  assertFloat(where, 'q', q);
  assertFloat(where, 'k', k);
  const [batch, heads, L, d] = q.shape as [number, number, number, number];
  const S = k.shape[2] as number;
  if (k.shape[0] !== batch || k.shape[1] !== heads || k.shape[3] !== d) {
    throw new Error(
      `${where}: k must have shape [${batch}, ${heads}, S, ${d}] to match q ${formatShape(q.shape)}, got ${formatShape(k.shape)}.`,
    );
  }
  const betas = perHead(where, 'beta', options.beta, heads);
  const epsList = perHead(where, 'updateStepsEps', options.updateStepsEps ?? 1e-4, heads);
  const maxSteps = options.updateStepsMax === null ? UNBOUNDED_UPDATE_STEPS : (options.updateStepsMax ?? 0);
  if (!Number.isInteger(maxSteps) || maxSteps < 0) {
    throw new Error(`${where}: updateStepsMax must be an integer >= 0 or null (until converged), got ${options.updateStepsMax}.`);
  }
  const record = options.recordEnergies ?? false;
  const beta = tf.tensor4d(betas, [1, heads, 1, 1]);
  const mask = options.mask == null ? null : maskToFloat(where, options.mask, [batch, heads, L, S]);
  const associate = (state: tf.Tensor): tf.Tensor4D =>
    tf.tidy(() => {
      let logits = tf.mul(tf.matMul(state, k, false, true), beta);
      if (mask) logits = tf.add(tf.mul(logits, mask), tf.mul(tf.sub(mask, 1), -BLOCKED));
      let w = tf.softmax(logits, -1);
      if (mask) w = tf.mul(w, mask);
      return w as tf.Tensor4D;
    });
  let state = tf.clone(q) as tf.Tensor4D;
  let xi = associate(state);
  const energies: tf.Tensor[] = record ? [stateEnergy(state, k, beta, mask)] : [];
  const headSteps = Array.from({ length: heads }, () => 0);
  const active = Array.from({ length: heads }, () => maxSteps > 0);
  // GPU backends: which heads still update, 1 or 0 per head, kept on the device (see `steps`)
  let deviceActive: tf.Tensor4D | null = null;
  const epsTensor = tf.tensor1d(epsList);
  let steps = 0;
  try {
    while (steps < maxSteps && active.some((a) => a)) {
      const activeMask: tf.Tensor4D =
        deviceActive ??
        tf.tensor4d(
          active.map((a) => (a ? 1 : 0)),
          [1, heads, 1, 1],
        );
      const nextState = tf.tidy(() => {
        const moved = tf.matMul(xi, k);
        return tf.add(tf.mul(moved, activeMask), tf.mul(state, tf.sub(1, activeMask))) as tf.Tensor4D;
      });
      const nextXi = associate(nextState);
      const change = tf.tidy(() => tf.max(tf.sqrt(tf.sum(tf.square(tf.sub(nextXi, xi)), [2, 3])), 0));
      tf.dispose([state, xi]);
      state = nextState;
      xi = nextXi;
      steps += 1;
      const host = deviceActive === null ? hostValues(change) : null;
      if (host !== null) {
        activeMask.dispose();
        for (let h = 0; h < heads; h++) {
          if (!active[h]) continue;
          headSteps[h] = steps;
          if ((host[h] as number) <= (epsList[h] as number) || steps >= maxSteps) active[h] = false;
        }
      } else {
        if (options.updateStepsMax === null) {
          tf.dispose([activeMask, change]);
          throw new Error(
            `${where}: updateStepsMax null (until converged) reads the change back after every update, which a GPU ` +
              'backend cannot do inside a layer call; give a number of updates (e.g. 3): converged heads then stay unchanged.',
          );
        }
        deviceActive = tf.tidy((): tf.Tensor4D => {
          const moving = tf.reshape(tf.cast(tf.greater(change, epsTensor), 'float32'), [1, heads, 1, 1]);
          return tf.mul(activeMask, moving) as tf.Tensor4D;
        });
        activeMask.dispose();
        for (let h = 0; h < heads; h++) headSteps[h] = steps;
        if (steps >= maxSteps) active.fill(false);
      }
      change.dispose();
      if (record) energies.push(stateEnergy(state, k, beta, mask));
    }
    const stacked = record ? tf.stack(energies) : null;
    return { associations: xi, state, steps, headSteps, energies: stacked };
  } catch (err) {
    tf.dispose([state, xi]);
    throw err;
  } finally {
    tf.dispose(energies);
    tf.dispose([beta, epsTensor, ...(deviceActive ? [deviceActive] : []), ...(mask && mask !== options.mask ? [mask] : [])]);
  }
}
