import * as tf from '@tensorflow/tfjs-core';
import { formatShape, globalRng, type SeededRandom } from '@ait/core';
import { neuronEnergy } from './lagrangian';
import type { NeuronLayer } from './neuron-layer';
import type { Synapse } from './synapse';

/** A synapse and the names of the neuron layers it connects, in the synapse's order. */
export interface HamConnection {
  /** The synapse. */
  readonly synapse: Synapse;
  /** Names of the connected neuron layers. */
  readonly layers: readonly string[];
}

/** Options of {@link HierarchicalAssociativeMemory}. */
export interface HierarchicalAssociativeMemoryOptions {
  /** The neuron layers. */
  neurons: readonly NeuronLayer[];
  /** The synapses between them. */
  synapses: readonly HamConnection[];
}

/** States (or activations, or gradients) of every neuron layer, by layer name: `[batch, ...shape]` each. */
export type HamStates = Record<string, tf.Tensor>;

/** How {@link HierarchicalAssociativeMemory.activationGradients} differentiates the synapses. */
export type GradientMethod = 'auto' | 'analytic' | 'autodiff';

/** Options of one descent step. */
export interface HamStepOptions {
  /** Step size `alpha`: `x <- x - (alpha / tau) dE/dg`; default 0.1. */
  stepSize?: number;
  /** Names of layers whose states stay fixed (e.g. a clamped input image). */
  clamped?: readonly string[];
  /** How the synapse gradients are computed; default `auto` (analytic where every synapse offers it). */
  method?: GradientMethod;
}

/** Options of {@link HierarchicalAssociativeMemory.descend}. */
export interface HamDescentOptions extends HamStepOptions {
  /** Number of steps; default 10. */
  steps?: number;
  /** Whether to record the total energy before and after every step; default true. */
  recordEnergies?: boolean;
}

/** What {@link HierarchicalAssociativeMemory.descend} returns; the caller owns the tensors. */
export interface HamDescent {
  /** The states after the last step. */
  states: HamStates;
  /** Total energy per sample before (row 0) and after each step: `[steps + 1, batch]`, or null. */
  energies: tf.Tensor | null;
  /** Frees the tensors. */
  dispose(): void;
}

/**
 * Hierarchical associative memory (Krotov 2021) in the style of HAMUX: neuron layers, each
 * defined by a convex Lagrangian, and synapses, scalar energies of the activations they connect.
 *
 * Total energy: `E = sum_layers (sum x . g - L(x)) + sum_synapses E_syn(g...)`. The dynamics
 * `tau dx/dt = -dE/dg`, with `dE/dg = x + sum dE_syn/dg`, never increase `E` (its time derivative
 * is `-(dE/dg)^T H_L (dE/dg) / tau <= 0` for convex `L`), so small Euler steps
 * ({@link HierarchicalAssociativeMemory.descend}) descend the energy.
 */
export class HierarchicalAssociativeMemory {
  /** The neuron layers, in the order given. */
  readonly neurons: readonly NeuronLayer[];
  /** The synapses and what they connect. */
  readonly synapses: readonly HamConnection[];
  private readonly byName: Map<string, NeuronLayer>;

  constructor(options: HierarchicalAssociativeMemoryOptions) {
    const where = 'HierarchicalAssociativeMemory';
    this.neurons = [...options.neurons];
    this.synapses = [...options.synapses];
    this.byName = new Map();
    for (const n of this.neurons) {
      if (this.byName.has(n.name)) throw new Error(`${where}: two neuron layers are named '${n.name}'; names must be unique.`);
      this.byName.set(n.name, n);
    }
    this.synapses.forEach((c, i) => {
      if (c.layers.length !== c.synapse.arity) {
        throw new Error(`${where}: synapse ${i} (${c.synapse.kind}) connects ${c.synapse.arity} layers, got [${c.layers.join(', ')}].`);
      }
      for (const name of c.layers) {
        if (!this.byName.has(name)) {
          throw new Error(
            `${where}: synapse ${i} (${c.synapse.kind}) names layer '${name}', which does not exist; layers: ${[...this.byName.keys()].join(', ')}.`,
          );
        }
      }
    });
  }

  private checkStates(where: string, states: HamStates): number {
    let batch = -1;
    for (const n of this.neurons) {
      const x = states[n.name];
      if (!x) throw new Error(`${where}: no state for layer '${n.name}'; give every layer a state [batch, ${n.shape.join(', ')}].`);
      const ok = x.rank === n.shape.length + 1 && n.shape.every((d, i) => x.shape[i + 1] === d);
      if (!ok) throw new Error(`${where}: layer '${n.name}' needs states [batch, ${n.shape.join(', ')}], got ${formatShape(x.shape)}.`);
      if (batch >= 0 && x.shape[0] !== batch) throw new Error(`${where}: every layer's state must have the same batch size.`);
      batch = x.shape[0] as number;
    }
    return batch;
  }

  /** Initial states: zeros, or normal noise of standard deviation `scale` drawn from `rng`. */
  initStates(batch: number, options: { scale?: number; rng?: SeededRandom } = {}): HamStates {
    const scale = options.scale ?? 0;
    const rng = options.rng ?? globalRng();
    const out: HamStates = {};
    for (const n of this.neurons) {
      const shape = [batch, ...n.shape];
      out[n.name] = scale === 0 ? tf.zeros(shape) : tf.randomNormal(shape, 0, scale, 'float32', rng.nextSeed());
    }
    return out;
  }

  /** The activation `g = dL/dx` of every layer. */
  activations(states: HamStates): HamStates {
    this.checkStates('HierarchicalAssociativeMemory.activations', states);
    const out: HamStates = {};
    for (const n of this.neurons) out[n.name] = n.lagrangian.activation(states[n.name] as tf.Tensor);
    return out;
  }

  private synapseEnergy(acts: HamStates): tf.Tensor {
    return tf.tidy(() => {
      const terms = this.synapses.map((c) => c.synapse.energy(c.layers.map((l) => acts[l] as tf.Tensor)));
      return terms.length === 0 ? tf.zeros([(acts[this.neurons[0]!.name] as tf.Tensor).shape[0] as number]) : tf.addN(terms);
    });
  }

  /** Total energy per sample: `[batch]`. */
  energy(states: HamStates): tf.Tensor {
    const terms = this.energyTerms(states);
    const total = tf.tidy(() => tf.addN([...Object.values(terms.neurons), ...terms.synapses]));
    tf.dispose([...Object.values(terms.neurons), ...terms.synapses]);
    return total;
  }

  /** The energy split into each layer's neuron energy and each synapse's energy (`[batch]` each). */
  energyTerms(states: HamStates): { neurons: HamStates; synapses: tf.Tensor[] } {
    this.checkStates('HierarchicalAssociativeMemory.energyTerms', states);
    return tf.tidy(() => {
      const acts = this.activations(states);
      const neurons: HamStates = {};
      for (const n of this.neurons) neurons[n.name] = neuronEnergy(n.lagrangian, states[n.name] as tf.Tensor);
      const synapses = this.synapses.map((c) => c.synapse.energy(c.layers.map((l) => acts[l] as tf.Tensor)));
      return { neurons, synapses };
    });
  }

  /**
   * `dE/dg` for every layer: the layer's own state (the gradient of its neuron energy with
   * respect to its activation) plus the gradients of the synapses it takes part in, analytic or by
   * automatic differentiation.
   */
  activationGradients(states: HamStates, method: GradientMethod = 'auto'): HamStates {
    const where = 'HierarchicalAssociativeMemory.activationGradients';
    this.checkStates(where, states);
    const analytic = this.synapses.every((c) => typeof c.synapse.gradients === 'function');
    if (method === 'analytic' && !analytic) {
      const missing = this.synapses.filter((c) => !c.synapse.gradients).map((c) => c.synapse.kind);
      throw new Error(`${where}: synapses without analytic gradients (${missing.join(', ')}); use method 'auto' or 'autodiff'.`);
    }
    const useAnalytic = method === 'analytic' || (method === 'auto' && analytic);
    return tf.tidy(() => {
      const acts = this.activations(states);
      const grads: HamStates = {};
      for (const n of this.neurons) grads[n.name] = tf.clone(states[n.name] as tf.Tensor);
      if (useAnalytic) {
        for (const c of this.synapses) {
          const g = (c.synapse.gradients as NonNullable<Synapse['gradients']>)(c.layers.map((l) => acts[l] as tf.Tensor));
          c.layers.forEach((l, i) => (grads[l] = tf.add(grads[l] as tf.Tensor, g[i] as tf.Tensor)));
        }
      } else if (this.synapses.length > 0) {
        const names = this.neurons.map((n) => n.name);
        const f = (...gs: tf.Tensor[]): tf.Scalar => {
          const map: HamStates = {};
          names.forEach((name, i) => (map[name] = gs[i] as tf.Tensor));
          return tf.sum(this.synapseEnergy(map)) as tf.Scalar;
        };
        const g = tf.grads(f)(names.map((n) => acts[n] as tf.Tensor));
        names.forEach((name, i) => (grads[name] = tf.add(grads[name] as tf.Tensor, g[i] as tf.Tensor)));
      }
      return grads;
    });
  }

  /** One Euler step `x <- x - (stepSize / tau) dE/dg` of every free layer; returns new states (the input is not disposed). */
  step(states: HamStates, options: HamStepOptions = {}): HamStates {
    const stepSize = options.stepSize ?? 0.1;
    if (!Number.isFinite(stepSize) || stepSize <= 0) {
      throw new Error(`HierarchicalAssociativeMemory.step: stepSize must be a finite number > 0, got ${stepSize}.`);
    }
    const clamped = new Set(options.clamped ?? []);
    for (const c of clamped) {
      if (!this.byName.has(c)) throw new Error(`HierarchicalAssociativeMemory.step: clamped layer '${c}' does not exist.`);
    }
    const grads = this.activationGradients(states, options.method ?? 'auto');
    const next: HamStates = {};
    for (const n of this.neurons) {
      const x = states[n.name] as tf.Tensor;
      next[n.name] = clamped.has(n.name) ? tf.clone(x) : tf.tidy(() => tf.sub(x, tf.mul(stepSize / n.tau, grads[n.name] as tf.Tensor)));
    }
    tf.dispose(Object.values(grads));
    return next;
  }

  /** Runs `steps` descent steps from `states`, recording the total energy. */
  descend(states: HamStates, options: HamDescentOptions = {}): HamDescent {
    const steps = options.steps ?? 10;
    if (!Number.isInteger(steps) || steps < 0)
      throw new Error(`HierarchicalAssociativeMemory.descend: steps must be an integer >= 0, got ${steps}.`);
    const record = options.recordEnergies ?? true;
    const energies: tf.Tensor[] = record ? [this.energy(states)] : [];
    let current: HamStates = {};
    for (const n of this.neurons) current[n.name] = tf.clone(states[n.name] as tf.Tensor);
    for (let t = 0; t < steps; t++) {
      const next = this.step(current, options);
      tf.dispose(Object.values(current));
      current = next;
      if (record) energies.push(this.energy(current));
    }
    const stacked = record ? tf.stack(energies) : null;
    tf.dispose(energies);
    const out = current;
    return { states: out, energies: stacked, dispose: () => tf.dispose([...Object.values(out), ...(stacked ? [stacked] : [])]) };
  }
}
