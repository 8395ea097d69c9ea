// Assertions shared by the packages' tests.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { finiteDiff } from './float64-reference';

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

/** The error `fn` throws, asserted to be an instance of `type` (fails when `fn` throws nothing). */
export function thrownBy<E extends Error>(fn: () => unknown, type: new (...args: never[]) => E): E {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(type);
    return e as E;
  }
  throw new Error(`expected an ${type.name}`);
}

/**
 * Asserts that `grads` (one tensor per input, in order) equal the float64 central differences of
 * `loss` at `x` (every input's values, flattened one after the other) within `tol`, as
 * {@link expectClose}; returns those differences.
 */
export function expectFiniteDiffGradients(
  grads: readonly tf.Tensor[],
  loss: (x: number[]) => number,
  x: readonly number[],
  tol: { abs?: number; rel?: number },
  label: string,
): number[] {
  const fd = finiteDiff(loss, x);
  expectClose(
    grads.flatMap((g) => Array.from(g.dataSync())),
    fd,
    tol,
    label,
  );
  return fd;
}
