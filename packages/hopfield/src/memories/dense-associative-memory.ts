import * as tf from '@tensorflow/tfjs-core';
import type { AssociativeMemory, MemoryStep, StepContext } from '../energy/associative-memory';
import { canonicalPatterns, canonicalState, patternOverlaps, restoreLeading } from '../energy/memory-shapes';
import { denseSweep } from './asynchronous-sweeps';
import { binaryStepResult, sweepLayout } from './binary-step';
import { assertBinaryUpdate, type BinaryUpdate } from './binary-update';
import { denseEnergy, denseEnergyGradient } from './dense-energy';
import { exponentialInteraction, polynomialInteraction, type InteractionFunction } from './interaction-functions';

/** Options of {@link DenseAssociativeMemory}. */
export interface DenseAssociativeMemoryOptions {
  /** Interaction function `F`; default {@link polynomialInteraction}(3). */
  interaction?: InteractionFunction;
  /**
   * `asynchronous` (default): each step sweeps the neurons one at a time in a fresh random order,
   * setting each to whichever of +1 / -1 has the lower energy; never increases the energy.
   * `synchronous`: every neuron makes that choice at once from the same state (Krotov and
   * Hopfield's parallel rule); faster on tensors, but the energy may rise.
   */
  update?: BinaryUpdate;
}

/**
 * Dense associative memory (Krotov and Hopfield 2016; exponential form Demircigil et al. 2017) on
 * batched +-1 states: energy {@link denseEnergy} `-sum_mu F(x_mu . s)`, where a sharper `F` stores
 * far more patterns than the `0.14 dim` of the classical network.
 *
 * Patterns are rows of `[patterns, dim]` (shared) or `[batch, patterns, dim]`. Entries of 0 in a
 * query (unknown bits) are filled in by the dynamics.
 */
export class DenseAssociativeMemory implements AssociativeMemory {
  readonly kind = 'dense';
  readonly dim: number;
  readonly numPatterns: number;
  readonly patternBatch: number | null;
  /** The interaction function. */
  readonly interaction: InteractionFunction;
  /** Update mode. */
  readonly update: BinaryUpdate;
  /** The stored patterns as given. */
  readonly patterns: tf.Tensor;
  private readonly p3: tf.Tensor3D;
  private readonly owner: boolean;

  constructor(patterns: tf.Tensor, options: DenseAssociativeMemoryOptions = {}) {
    const where = 'DenseAssociativeMemory';
    const update = options.update ?? 'asynchronous';
    assertBinaryUpdate(where, update);
    this.update = update;
    this.interaction = options.interaction ?? polynomialInteraction(3);
    const { patterns: p3, batched } = canonicalPatterns(where, patterns);
    this.p3 = p3;
    this.patterns = tf.clone(patterns);
    this.owner = true;
    this.dim = p3.shape[2];
    this.numPatterns = p3.shape[1];
    this.patternBatch = batched ? p3.shape[0] : null;
  }

  /** The exponential interaction's inverse temperature, else null. */
  get beta(): number | null {
    return this.interaction.beta;
  }

  /**
   * The same memory with the exponential interaction at inverse temperature `beta` (shares this
   * memory's tensors). Throws for polynomial interactions, which have no temperature.
   */
  withBeta(beta: number): DenseAssociativeMemory {
    if (this.interaction.name !== 'exponential') {
      throw new Error(
        `DenseAssociativeMemory.withBeta: the ${this.interaction.name} interaction has no inverse temperature; ` +
          `leave beta out or use exponentialInteraction(beta).`,
      );
    }
    const view = Object.create(DenseAssociativeMemory.prototype) as DenseAssociativeMemory;
    const fields: Record<string, unknown> = { ...this, interaction: exponentialInteraction(beta), owner: false };
    Object.assign(view, fields);
    return view;
  }

  /** {@link denseEnergy} of each state: `[..., dim] -> [...]`. */
  energy(state: tf.Tensor): tf.Tensor {
    return denseEnergy(state, this.patterns, this.interaction);
  }

  /** {@link denseEnergyGradient}: `-sum_mu F'(x_mu . s) x_mu`, `[..., dim]`. */
  energyGradient(state: tf.Tensor): tf.Tensor {
    return denseEnergyGradient(state, this.patterns, this.interaction);
  }

  /** Overlaps with the stored patterns, `x_mu . s / dim`: `[..., patterns]`. */
  associations(state: tf.Tensor): tf.Tensor {
    return patternOverlaps('DenseAssociativeMemory.associations', state, this.p3, this.patternBatch, (dots) => tf.div(dots, this.dim));
  }

  /**
   * One sweep (asynchronous) or one parallel update (synchronous); `change` is the largest change
   * of an entry. A sweep visits the neurons one by one in JavaScript, on the state and patterns
   * read back asynchronously.
   */
  async step(state: tf.Tensor, _associations: tf.Tensor, context: StepContext): Promise<MemoryStep> {
    const where = 'DenseAssociativeMemory.step';
    const f = this.interaction;
    let next: tf.Tensor;
    if (this.update === 'asynchronous') {
      const layout = sweepLayout(where, state, this.dim, this.patternBatch, context.rng);
      const [sv, pv] = (await Promise.all([state.data(), this.p3.data()])) as [Float32Array, Float32Array];
      const values = sv.slice();
      denseSweep(values, pv, this.numPatterns, f.scalar, f.shiftInvariant, layout);
      next = tf.tensor(values, state.shape, 'float32');
    } else {
      next = tf.tidy(() => {
        const { state: s, leading } = canonicalState(where, state, this.dim, this.patternBatch);
        const dim = s.shape[2];
        // a[b, q, mu, i]: overlap of pattern mu with s, without neuron i; c: the pattern's entry i.
        const c = tf.expandDims(this.p3, 1);
        const overlaps = tf.expandDims(tf.matMul(s, this.p3, false, true), -1);
        let a = tf.sub(overlaps, tf.mul(c, tf.expandDims(s, 2)));
        if (f.shiftInvariant) a = tf.sub(a, tf.max(a, 2, true));
        const drive = tf.sum(tf.sub(f.value(tf.add(a, c)), f.value(tf.sub(a, c))), 2);
        return restoreLeading(tf.where(tf.equal(drive, 0), s, tf.sign(drive)), leading, [dim]);
      });
    }
    return binaryStepResult(this, next, state);
  }

  dispose(): void {
    if (!this.owner) return;
    tf.dispose([this.p3, this.patterns]);
  }
}
