import * as tf from '@tensorflow/tfjs-core';
import { maxAbsChange } from './max-abs-change';
import type { AssociativeMemory, MemoryStep } from '../energy/associative-memory';
import { canonicalPatterns, canonicalState, patternOverlaps, restoreLeading } from '../energy/memory-shapes';
import { assertBeta, modernHopfieldEnergy, modernHopfieldEnergyGradient } from './modern-energy';

/** Options of {@link ModernHopfield}. */
export interface ModernHopfieldOptions {
  /** Inverse temperature; default `1 / sqrt(dim)` (the scaling of dot-product attention). */
  beta?: number;
}

/**
 * Continuous modern Hopfield network (Ramsauer et al. 2020, "Hopfield Networks is All You Need").
 *
 * Stored patterns are rows: `[N, dim]` (shared by every state) or `[batch, N, dim]` (one set per
 * batch element). The update `xi <- softmax(beta xi X^T) X` never increases
 * {@link modernHopfieldEnergy}; one step usually retrieves a well-separated pattern, and the
 * number of patterns it can hold grows exponentially with `dim`.
 *
 * The memory keeps its own copy of the patterns; call {@link ModernHopfield.dispose} to free it.
 */
export class ModernHopfield implements AssociativeMemory {
  readonly kind = 'modern';
  readonly dim: number;
  readonly numPatterns: number;
  readonly patternBatch: number | null;
  readonly beta: number;
  /** The stored patterns as given: `[N, dim]` or `[batch, N, dim]`. */
  readonly patterns: tf.Tensor;
  private readonly p3: tf.Tensor3D;
  private readonly owner: boolean;

  constructor(patterns: tf.Tensor, options: ModernHopfieldOptions = {}) {
    const where = 'ModernHopfield';
    // every check before anything is kept, so that a bad option leaves no tensor behind
    const beta = options.beta ?? 1 / Math.sqrt(patterns.shape[patterns.rank - 1] ?? 1);
    assertBeta(where, beta);
    const { patterns: p3, batched } = canonicalPatterns(where, patterns);
    this.beta = beta;
    this.p3 = tf.keep(p3);
    this.patterns = tf.keep(tf.clone(patterns));
    this.owner = true;
    this.dim = p3.shape[2];
    this.numPatterns = p3.shape[1];
    this.patternBatch = batched ? p3.shape[0] : null;
  }

  /** A view at another inverse temperature that shares this memory's tensors. */
  withBeta(beta: number): ModernHopfield {
    assertBeta('ModernHopfield.withBeta', beta);
    const view = Object.create(ModernHopfield.prototype) as ModernHopfield;
    const fields: Record<string, unknown> = { ...this, beta, owner: false };
    Object.assign(view, fields);
    return view;
  }

  /** {@link modernHopfieldEnergy} of each state: `[..., dim] -> [...]`. */
  energy(state: tf.Tensor): tf.Tensor {
    return modernHopfieldEnergy(state, this.patterns, this.beta);
  }

  /** {@link modernHopfieldEnergyGradient}: `xi - X^T softmax(beta X xi)`, `[..., dim]`. */
  energyGradient(state: tf.Tensor): tf.Tensor {
    return modernHopfieldEnergyGradient(state, this.patterns, this.beta);
  }

  /** Softmax association weights `softmax(beta xi X^T)`: `[..., dim] -> [..., N]`. */
  associations(state: tf.Tensor): tf.Tensor {
    return patternOverlaps('ModernHopfield.associations', state, this.p3, this.patternBatch, (dots) =>
      tf.softmax(tf.mul(dots, this.beta), -1),
    );
  }

  /**
   * One update `xi <- softmax(beta xi X^T) X`; `change` is the largest change of an association
   * weight (read back asynchronously).
   */
  async step(state: tf.Tensor, associations: tf.Tensor): Promise<MemoryStep> {
    const where = 'ModernHopfield.step';
    const next = tf.tidy(() => {
      const { state: s, leading } = canonicalState(where, state, this.dim, this.patternBatch);
      const [b, q] = s.shape;
      const a = tf.reshape(associations, [b, q, this.numPatterns]);
      return restoreLeading(tf.matMul(a, this.p3), leading, [this.dim]);
    });
    const nextAssociations = this.associations(next);
    const change = await maxAbsChange(nextAssociations, associations);
    return { state: next, associations: nextAssociations, change };
  }

  dispose(): void {
    if (!this.owner) return;
    this.p3.dispose();
    this.patterns.dispose();
  }
}
