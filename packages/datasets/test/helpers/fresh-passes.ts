import { SeededRandom } from '@ait/core';
import { expect } from 'vitest';
import { type Dataset, takeSamples } from '../../src/index';

/**
 * Checks a freshly generated (streaming) data set: a pass holds `samplesPerEpoch` samples, the
 * next pass from the same rng draws other examples, and a pass from the same rng state gives the
 * same examples again (scenes in `extra` and image bytes alike).
 */
export async function expectFreshPassesReproducible<E>(ds: Dataset<E>, samplesPerEpoch: number): Promise<void> {
  expect(ds.access).toBe('stream');
  const rng = new SeededRandom(3);
  const state = rng.getState();
  const first = await takeSamples(ds, 100, rng);
  const second = await takeSamples(ds, 100, rng);
  expect(first).toHaveLength(samplesPerEpoch);
  expect(second.map((s) => s.extra)).not.toEqual(first.map((s) => s.extra));
  const again = await takeSamples(ds, 100, SeededRandom.fromState(state));
  expect(again.map((s) => s.extra)).toEqual(first.map((s) => s.extra));
  expect(again.map((s) => Array.from(s.image))).toEqual(first.map((s) => Array.from(s.image)));
}
