import * as tf from '@tensorflow/tfjs-core';
import { ModernHopfield } from '../memories/modern-hopfield';
import type { AssociativeMemory } from './associative-memory';

/** Options of {@link energy}. */
export interface EnergyOptions {
  /** Inverse temperature when `memory` is a tensor of patterns; default `1 / sqrt(dim)`. */
  beta?: number;
}

/**
 * The energy of states under an associative memory: `[..., dim] -> [...]`.
 *
 * `memory` is an {@link AssociativeMemory} or a tensor of stored patterns `[patterns, dim]` /
 * `[batch, patterns, dim]`, read as a continuous modern Hopfield memory with inverse temperature
 * `beta` (see {@link modernHopfieldEnergy}).
 */
export function energy(state: tf.Tensor, memory: AssociativeMemory | tf.Tensor, options: EnergyOptions = {}): tf.Tensor {
  if (memory instanceof tf.Tensor) {
    const m = new ModernHopfield(memory, options.beta === undefined ? {} : { beta: options.beta });
    try {
      return m.energy(state);
    } finally {
      m.dispose();
    }
  }
  if (options.beta !== undefined) {
    if (!memory.withBeta) throw new Error(`energy: a ${memory.kind} memory has no inverse temperature; leave beta out.`);
    return memory.withBeta(options.beta).energy(state);
  }
  return memory.energy(state);
}
