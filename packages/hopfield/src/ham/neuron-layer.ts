import type { Lagrangian } from './lagrangian';

/** A layer of neurons in a hierarchical associative memory. */
export interface NeuronLayer {
  /** Unique name, used to address the layer's state. */
  readonly name: string;
  /** Shape of one sample's neurons (the state is `[batch, ...shape]`). */
  readonly shape: readonly number[];
  /** The Lagrangian that defines the layer's activation and energy. */
  readonly lagrangian: Lagrangian;
  /** Time constant: the layer's states move by `stepSize / tau` times the energy gradient; default 1. */
  readonly tau: number;
}

/** Options of {@link neuronLayer}. */
export interface NeuronLayerOptions {
  /** Time constant; default 1. */
  tau?: number;
}

/** Declares a neuron layer `name` of per-sample `shape` with the given Lagrangian. */
export function neuronLayer(name: string, shape: readonly number[], lagrangian: Lagrangian, options: NeuronLayerOptions = {}): NeuronLayer {
  if (!name) throw new Error('neuronLayer: give the layer a non-empty name.');
  if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`neuronLayer '${name}': shape must be a non-empty list of positive integers, got [${shape.join(', ')}].`);
  }
  const tau = options.tau ?? 1;
  if (!Number.isFinite(tau) || tau <= 0) throw new Error(`neuronLayer '${name}': tau must be a finite number > 0, got ${tau}.`);
  return { name, shape: [...shape], lagrangian, tau };
}
