import * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from '@ait/core';
import type { MemoryStep } from '../energy/associative-memory';
import { canonicalState } from '../energy/memory-shapes';
import type { SweepLayout } from './asynchronous-sweeps';
import { maxAbsChange } from './max-abs-change';

/**
 * The layout of one asynchronous sweep over `state [..., dim]` (checked as `canonicalState` checks
 * it; the canonical state is a reshape, so its flat values are the state's), with a fresh random
 * neuron order from `rng`.
 */
export function sweepLayout(where: string, state: tf.Tensor, dim: number, patternBatch: number | null, rng: SeededRandom): SweepLayout {
  let shape: number[] = [];
  tf.tidy(() => {
    shape = canonicalState(where, state, dim, patternBatch).state.shape;
  });
  const [batch, queries] = shape as [number, number, number];
  return { batch, queries, dim, batchedParams: patternBatch !== null, order: rng.permutation(dim) };
}

/**
 * What a binary memory's step returns for the new state `next`: it, its overlaps with the stored
 * patterns (`associations`) and the largest change of an entry from `state` (read back
 * asynchronously).
 */
export async function binaryStepResult(
  memory: { associations(state: tf.Tensor): tf.Tensor },
  next: tf.Tensor,
  state: tf.Tensor,
): Promise<MemoryStep> {
  const associations = memory.associations(next);
  const change = await maxAbsChange(next, state);
  return { state: next, associations, change };
}
