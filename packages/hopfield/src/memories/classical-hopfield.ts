import * as tf from '@tensorflow/tfjs-core';
import type { AssociativeMemory, MemoryStep, StepContext } from '../energy/associative-memory';
import { canonicalPatterns, canonicalState, patternOverlaps, restoreLeading } from '../energy/memory-shapes';
import { classicalSweep } from './asynchronous-sweeps';
import { binaryStepResult, sweepLayout } from './binary-step';
import { assertBinaryUpdate, type BinaryUpdate } from './binary-update';
import { canonicalWeights, classicalEnergy, classicalEnergyGradient } from './classical-energy';
import { hebbianWeights, projectionWeights, type StorageRule } from './storage-rules';

/** Options of {@link ClassicalHopfield}. */
export interface ClassicalHopfieldOptions {
  /** Storage rule; default `hebbian`. */
  rule?: StorageRule;
  /** Whether to zero the weights' diagonal; default true for `hebbian`, false for `projection`. */
  zeroDiagonal?: boolean;
  /**
   * `asynchronous` (default): each step is one sweep updating the neurons one at a time in a fresh
   * random order; it never increases the energy and always reaches a fixed point.
   * `synchronous`: all neurons at once, `s <- sign(W s - theta)`; may end in a 2-cycle, and its
   * non-increasing quantity is {@link synchronousLyapunov}, not the energy.
   */
  update?: BinaryUpdate;
  /** Thresholds `theta`: `[dim]`, or `[batch, dim]` for batched patterns; default none (zero). */
  thresholds?: tf.Tensor | null;
}

/**
 * Classical binary Hopfield network (Hopfield 1982) on batched +-1 states.
 *
 * Patterns are rows of `[patterns, dim]` (one network shared by every state) or
 * `[batch, patterns, dim]` (one network per batch element). The weights come from the Hebbian or
 * the projection rule ({@link hebbianWeights}, {@link projectionWeights}); the energy is
 * {@link classicalEnergy}. A neuron whose field equals its threshold keeps its value, so entries
 * of 0 in a query (unknown bits) are filled in by the dynamics.
 */
export class ClassicalHopfield implements AssociativeMemory {
  readonly kind = 'classical';
  readonly dim: number;
  readonly numPatterns: number;
  readonly patternBatch: number | null;
  readonly beta = null;
  /** Storage rule used. */
  readonly rule: StorageRule;
  /** Update mode. */
  readonly update: BinaryUpdate;
  /** The weights: `[dim, dim]` or `[batch, dim, dim]`. */
  readonly weights: tf.Tensor;
  /** The thresholds as given, or null. */
  readonly thresholds: tf.Tensor | null;
  /** The stored patterns as given. */
  readonly patterns: tf.Tensor;
  private readonly p3: tf.Tensor3D;

  constructor(patterns: tf.Tensor, options: ClassicalHopfieldOptions = {}) {
    const where = 'ClassicalHopfield';
    this.rule = options.rule ?? 'hebbian';
    if (this.rule !== 'hebbian' && this.rule !== 'projection') {
      throw new Error(`${where}: rule must be 'hebbian' or 'projection', got '${String(this.rule)}'.`);
    }
    const update = options.update ?? 'asynchronous';
    assertBinaryUpdate(where, update);
    this.update = update;
    const { patterns: p3, batched } = canonicalPatterns(where, patterns);
    this.p3 = p3;
    this.dim = p3.shape[2];
    this.numPatterns = p3.shape[1];
    this.patternBatch = batched ? p3.shape[0] : null;
    const storage = options.zeroDiagonal === undefined ? {} : { zeroDiagonal: options.zeroDiagonal };
    this.weights = this.rule === 'hebbian' ? hebbianWeights(patterns, storage) : projectionWeights(patterns, storage);
    this.patterns = tf.clone(patterns);
    this.thresholds = options.thresholds ? tf.clone(options.thresholds) : null;
    try {
      tf.tidy(() => {
        canonicalWeights(where, this.weights, this.thresholds);
      });
    } catch (err) {
      this.dispose();
      throw err;
    }
  }

  /** {@link classicalEnergy} of each state: `[..., dim] -> [...]`. */
  energy(state: tf.Tensor): tf.Tensor {
    return classicalEnergy(state, this.weights, this.thresholds);
  }

  /** {@link classicalEnergyGradient}: `-W s + theta`, `[..., dim]`. */
  energyGradient(state: tf.Tensor): tf.Tensor {
    return classicalEnergyGradient(state, this.weights, this.thresholds);
  }

  /** Overlaps with the stored patterns, `x_mu . s / dim`, in [-1, 1] for +-1 vectors: `[..., patterns]`. */
  associations(state: tf.Tensor): tf.Tensor {
    return patternOverlaps('ClassicalHopfield.associations', state, this.p3, this.patternBatch, (dots) => tf.div(dots, this.dim));
  }

  /**
   * One sweep (asynchronous) or one parallel update (synchronous); `change` is the largest change
   * of an entry. A sweep visits the neurons one by one in JavaScript, on the state and weights read
   * back asynchronously.
   */
  async step(state: tf.Tensor, _associations: tf.Tensor, context: StepContext): Promise<MemoryStep> {
    const where = 'ClassicalHopfield.step';
    let next: tf.Tensor;
    if (this.update === 'synchronous') {
      next = tf.tidy(() => {
        const { w, theta } = canonicalWeights(where, this.weights, this.thresholds);
        const { state: s, leading } = canonicalState(where, state, this.dim, this.patternBatch);
        let field = tf.matMul(s, w);
        if (theta) field = tf.sub(field, theta);
        return restoreLeading(tf.where(tf.equal(field, 0), s, tf.sign(field)), leading, [this.dim]);
      });
    } else {
      // the canonical weights are reshapes: the flat values of the weights and thresholds are theirs
      tf.tidy(() => {
        canonicalWeights(where, this.weights, this.thresholds);
      });
      const layout = sweepLayout(where, state, this.dim, this.patternBatch, context.rng);
      const [sv, wv, thetaValues] = (await Promise.all([state.data(), this.weights.data(), this.thresholds?.data()])) as [
        Float32Array,
        Float32Array,
        Float32Array | undefined,
      ];
      const values = sv.slice();
      classicalSweep(values, wv, thetaValues ?? null, layout);
      next = tf.tensor(values, state.shape, 'float32');
    }
    return binaryStepResult(this, next, state);
  }

  dispose(): void {
    tf.dispose([this.p3, this.weights, this.patterns]);
    this.thresholds?.dispose();
  }
}
