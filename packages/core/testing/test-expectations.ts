// Assertions shared by the packages' tests.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * Asserts `|actual - expected| <= abs + rel * |expected|` elementwise (default abs 1e-5, rel
 * 1e-4) and equal lengths; a failure names the worst entry. NaN never passes.
 */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: { abs?: number; rel?: number } = {},
  label = '',
): void {
  const abs = tol.abs ?? 1e-5;
  const rel = tol.rel ?? 1e-4;
  expect(actual.length, `${label} length`).toBe(expected.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const excess = Math.abs(a - e) - (abs + rel * Math.abs(e));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    expect.fail(`${label}: entry ${worst} is ${actual[worst]} but expected ${expected[worst]} (abs ${abs}, rel ${rel})`);
  }
}

/** Runs `fn` and asserts that it leaves no new tensors behind. */
export async function expectNoLeak(fn: () => unknown | Promise<unknown>, label = ''): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors, `${label} tensor count`).toBe(before);
}

/** The values of a tensor as a flat array of numbers (read synchronously). */
export function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync());
}
