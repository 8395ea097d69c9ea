import * as tf from '@tensorflow/tfjs-core';
import { globalRng, type SeededRandom } from '@ait/core';
import { ModernHopfield } from '../memories/modern-hopfield';
import type { AssociativeMemory } from './associative-memory';

/** Options of {@link retrieve}. */
export interface RetrieveOptions {
  /**
   * Inverse temperature. With a tensor of patterns it sets the modern Hopfield memory's beta
   * (default `1 / sqrt(dim)`); with a memory object it replaces the memory's own beta (only for
   * memories that have one).
   */
  beta?: number;
  /** Largest number of updates; default 100. 0 returns the query with its energy. */
  steps?: number;
  /**
   * Stop after an update whose change (see {@link MemoryStep.change}) is at most `eps`; default 1e-4.
   */
  eps?: number;
  /** Random stream for asynchronous sweeps; default {@link globalRng}. */
  rng?: SeededRandom;
  /** Whether to evaluate the energy after every update; default true (else `energies` holds only the first). */
  recordEnergies?: boolean;
}

/** What {@link retrieve} returns. The caller owns the tensors: call `dispose()` when done. */
export interface RetrievalResult {
  /** The state after the last update: the query's shape `[..., dim]`. */
  readonly retrieved: tf.Tensor;
  /** Associations of the retrieved state with each stored pattern: `[..., patterns]`. */
  readonly associations: tf.Tensor;
  /**
   * Energy of the query (row 0) and after every update (row `t`): `[steps + 1, ...]`
   * (`[1, ...]` when `recordEnergies` is false).
   */
  readonly energies: tf.Tensor;
  /** Updates performed. */
  readonly steps: number;
  /** Whether it stopped because an update changed less than `eps` (rather than at the step limit). */
  readonly converged: boolean;
  /** Frees the three tensors. */
  dispose(): void;
}

/**
 * Retrieves stored patterns from queries by iterating an associative memory's update until it
 * changes less than `eps` or `steps` updates were made, recording the energy along the way.
 * Asynchronous: each update's change is read back with `await data()` (never a synchronous read,
 * so that it runs on GPU backends such as webgpu).
 *
 * `memory` is an {@link AssociativeMemory} (classical, dense or modern) or a tensor of stored
 * patterns `[patterns, dim]` / `[batch, patterns, dim]`, which is read as a continuous modern
 * Hopfield memory with inverse temperature `beta`. `query` is `[..., dim]` for shared patterns,
 * `[batch, dim]` or `[batch, queries, dim]` for batched ones.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, retrieve } from '@ait/hopfield';
 *
 * await initBackend({ backend: 'cpu' });
 * const patterns = tf.randomNormal([10, 32]); // stored patterns [10, dim]
 * const noisy = tf.add(tf.slice(patterns, [3, 0], [1, 32]), tf.randomNormal([1, 32], 0, 0.3)); // pattern 3 plus noise [1, dim]
 * const r = await retrieve(noisy, patterns, { beta: 8, steps: 3 });
 * r.retrieved; r.associations; r.energies; r.steps;
 * r.dispose();
 * ```
 */
export async function retrieve(
  query: tf.Tensor,
  memory: AssociativeMemory | tf.Tensor,
  options: RetrieveOptions = {},
): Promise<RetrievalResult> {
  const where = 'retrieve';
  const steps = options.steps ?? 100;
  const eps = options.eps ?? 1e-4;
  if (!Number.isInteger(steps) || steps < 0) throw new Error(`${where}: steps must be an integer >= 0, got ${steps}.`);
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new Error(`${where}: eps must be a finite number >= 0, got ${eps}.`);
  const rng = options.rng ?? globalRng();
  const record = options.recordEnergies ?? true;
  let owned: ModernHopfield | null = null;
  let mem: AssociativeMemory;
  if (memory instanceof tf.Tensor) {
    owned = new ModernHopfield(memory, options.beta === undefined ? {} : { beta: options.beta });
    mem = owned;
  } else if (options.beta !== undefined) {
    if (!memory.withBeta) {
      throw new Error(`${where}: a ${memory.kind} memory has no inverse temperature; leave beta out.`);
    }
    mem = memory.withBeta(options.beta);
  } else {
    mem = memory;
  }
  const energies: tf.Tensor[] = [];
  let state: tf.Tensor | null = null;
  let associations: tf.Tensor | null = null;
  try {
    state = tf.clone(query);
    associations = mem.associations(state);
    energies.push(mem.energy(state));
    let taken = 0;
    let converged = false;
    while (taken < steps) {
      const next = await mem.step(state, associations, { rng, step: taken });
      state.dispose();
      associations.dispose();
      state = next.state;
      associations = next.associations;
      taken += 1;
      if (record) energies.push(mem.energy(state));
      if (next.change <= eps) {
        converged = true;
        break;
      }
    }
    const stacked = tf.stack(energies);
    const result = { retrieved: state, associations, energies: stacked, steps: taken, converged };
    return { ...result, dispose: () => tf.dispose([result.retrieved, result.associations, result.energies]) };
  } catch (err) {
    tf.dispose([state, associations].filter((t): t is tf.Tensor => t !== null));
    throw err;
  } finally {
    tf.dispose(energies);
    owned?.dispose();
  }
}
