import { SeededRandom, z } from '@ait/core';

/** Which split of a synthetic task: the two use independent random streams for the same seed. */
export type SyntheticSplit = 'train' | 'test';

/** zod schema of a synthetic split name. */
export const splitSchema = z.enum(['train', 'test'], 'must be "train" or "test"');
/** zod schema of a seed (an integer or a string). */
export const seedSchema = z.union([z.number().int(), z.string()], 'must be an integer or a string');
/** zod schema of a positive integer count. */
export const countSchema = z.number('must be a number').int('must be an integer').min(1, 'must be >= 1');

/**
 * The random stream of example `index` of a fixed synthetic set. Each example has its own stream,
 * derived from the task, split, seed and index, so any example can be generated alone, in any
 * order, and a set of any size is reproducible without being stored.
 */
export function exampleRng(task: string, split: SyntheticSplit, seed: number | string, index: number): SeededRandom {
  return new SeededRandom(`${task}/${split}/${String(seed)}/${index}`);
}

/** Throws a RangeError unless `index` is an integer in `[0, size)`. */
export function checkIndex(name: string, index: number, size: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`Dataset '${name}': index ${index} is outside [0, ${size}).`);
  }
}
