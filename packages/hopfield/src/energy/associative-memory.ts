import type * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from '@ait/core';

/** What {@link AssociativeMemory.step} is given besides the state. */
export interface StepContext {
  /** Random stream for memories that draw (the neuron order of asynchronous sweeps). */
  readonly rng: SeededRandom;
  /** Index of this step, from 0. */
  readonly step: number;
}

/** One update of an {@link AssociativeMemory}. The caller owns (and disposes) both tensors. */
export interface MemoryStep {
  /** The updated state, same shape as the state given: `[..., dim]`. */
  readonly state: tf.Tensor;
  /** Associations of the updated state with each stored pattern: `[..., patterns]`. */
  readonly associations: tf.Tensor;
  /**
   * How much this step changed things, the quantity `retrieve` compares with `eps`: the largest
   * absolute change of an association weight for continuous memories, the largest absolute change of
   * a state entry (0 or 2) for binary ones.
   */
  readonly change: number;
}

/**
 * An associative memory: an energy over states and an update rule that does not increase it.
 *
 * States are batched: `[..., dim]` for memories whose patterns are shared by every state, or
 * `[batch, dim]` / `[batch, queries, dim]` for memories holding one pattern set per batch element.
 * Energies have the state's shape without its last axis. Implementations: {@link ClassicalHopfield},
 * {@link DenseAssociativeMemory}, {@link ModernHopfield}; `retrieve` iterates any of them.
 */
export interface AssociativeMemory {
  /** Which family the memory belongs to, e.g. `modern`. */
  readonly kind: string;
  /** Width of a pattern and of a state. */
  readonly dim: number;
  /** Number of stored patterns (per pattern set). */
  readonly numPatterns: number;
  /** Number of pattern sets when each batch element has its own, else `null` (shared patterns). */
  readonly patternBatch: number | null;
  /** Inverse temperature for memories that have one, else `null`. */
  readonly beta: number | null;
  /** Energy of each state: `[..., dim] -> [...]`. */
  energy(state: tf.Tensor): tf.Tensor;
  /** Gradient of the energy with respect to the state, computed analytically: `[..., dim]`. */
  energyGradient(state: tf.Tensor): tf.Tensor;
  /**
   * How strongly each state associates with each stored pattern: `[..., dim] -> [..., patterns]`
   * (softmax weights for continuous memories, overlaps `x_mu . s / dim` for binary ones).
   */
  associations(state: tf.Tensor): tf.Tensor;
  /**
   * One update. `associations` must be `this.associations(state)` (the caller has it already, so
   * it is not computed twice). The built-in memories resolve asynchronously (they read `change`,
   * and a sweep the state, back with `await data()`, which works on every backend); a
   * synchronous result is accepted too.
   */
  step(state: tf.Tensor, associations: tf.Tensor, context: StepContext): MemoryStep | Promise<MemoryStep>;
  /**
   * The same memory at another inverse temperature, sharing this one's tensors (disposing the
   * copy frees nothing). Absent for memories without a temperature.
   */
  withBeta?(beta: number): AssociativeMemory;
  /** Frees the memory's tensors. */
  dispose(): void;
}
