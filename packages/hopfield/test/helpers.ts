// Test helpers of @ait/hopfield beyond the shared ones of @ait/core/testing: random binary
// patterns, dot products, rows and a float64 linear solve, all plain loops (no tfjs).
import type { SeededRandom } from '@ait/core';

export type M = number[][];

/** `rows x cols` random +-1 entries. */
export function randSigns(rng: SeededRandom, rows: number, cols: number): M {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rng.next() < 0.5 ? -1 : 1)));
}

export const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * (b[i] as number), 0);

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
