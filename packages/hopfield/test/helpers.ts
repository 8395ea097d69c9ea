// Shared test helpers: float64 references written with plain loops (no tfjs), tolerances, leak checks.
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from '@ait/core';

export type M = number[][];

/** `rows x cols` standard-normal numbers times `scale`. */
export function randMatrix(rng: SeededRandom, rows: number, cols: number, scale = 1): M {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.normal() * scale));
}

/** `rows x cols` random +-1 entries. */
export function randSigns(rng: SeededRandom, rows: number, cols: number): M {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rng.next() < 0.5 ? -1 : 1)));
}

export const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * (b[i] as number), 0);

/** `a [n, k] x b [k, m]`. */
export function matmul(a: M, b: M): M {
  const k = b.length;
  const m = (b[0] as number[]).length;
  return a.map((row) =>
    Array.from({ length: m }, (_, j) => {
      let s = 0;
      for (let t = 0; t < k; t++) s += (row[t] as number) * ((b[t] as number[])[j] as number);
      return s;
    }),
  );
}

export function transpose(a: M): M {
  return (a[0] as number[]).map((_, j) => a.map((row) => row[j] as number));
}

export function softmax(z: readonly number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function logSumExp(z: readonly number[]): number {
  const m = Math.max(...z);
  return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
}

/** Asserts `|actual - expected| <= abs + rel * |expected|` elementwise and reports the worst entry. */
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

/** Flattens nested arrays. */
export function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap((v) => flat(v)) : [x as number];
}

/** Central finite differences of a float64 scalar function of a flat vector. */
export function finiteDiff(f: (x: number[]) => number, x: readonly number[], h = 1e-5): number[] {
  const xs = [...x];
  return xs.map((v, i) => {
    xs[i] = v + h;
    const fp = f(xs);
    xs[i] = v - h;
    const fm = f(xs);
    xs[i] = v;
    return (fp - fm) / (2 * h);
  });
}

/** Runs `fn` and asserts that it leaves no new tensors behind. */
export async function expectNoLeak(fn: () => unknown | Promise<unknown>, label = ''): Promise<void> {
  const before = tf.memory().numTensors;
  await fn();
  expect(tf.memory().numTensors, `${label} tensor count`).toBe(before);
}

/** Values of a tensor as a flat array of numbers. */
export const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** `x` reshaped into rows of `cols`. */
export function rows(x: readonly number[], cols: number): M {
  return Array.from({ length: x.length / cols }, (_, i) => x.slice(i * cols, (i + 1) * cols));
}

/** Solves `A Y = B` for square `A` by Gauss-Jordan elimination with partial pivoting (float64). */
export function solve(a: M, b: M): M {
  const n = a.length;
  const A = a.map((r) => [...r]);
  const B = b.map((r) => [...r]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!];
    [B[c], B[p]] = [B[p]!, B[c]!];
    const piv = A[c]![c]!;
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = A[r]![c]! / piv;
      if (f === 0) continue;
      A[r] = A[r]!.map((v, j) => v - f * A[c]![j]!);
      B[r] = B[r]!.map((v, j) => v - f * B[c]![j]!);
    }
  }
  return B.map((row, r) => row.map((v) => v / A[r]![r]!));
}
