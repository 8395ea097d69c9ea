// Test helpers of @ait/hopfield beyond the shared ones of @ait/core/testing: random binary
// patterns, dot products, rows and a float64 linear solve (plain loops, no tfjs), and the descent
// check of a retrieval.
import * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from '@ait/core';
import { expect } from 'vitest';
import type { AssociativeMemory, RetrievalResult } from '../src/index';

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

/**
 * Asserts that the retrieval `r` converged, that no query's energy rose from one update to the
 * next by more than `slack(previous energy)`, and that one more step of `memory` from the
 * retrieved state changes nothing (a fixed point). `label` names the case in failures.
 */
export async function expectDescentToFixedPoint(
  r: RetrievalResult,
  memory: AssociativeMemory,
  rng: SeededRandom,
  label: string,
  slack: (previous: number) => number,
): Promise<void> {
  expect(r.converged, `${label} converged`).toBe(true);
  const traj = (r.energies.arraySync() as unknown[]).map((row) => (row as unknown[]).flat(2) as number[]);
  for (let t = 1; t < traj.length; t++) {
    traj[t]!.forEach((v, i) => {
      const prev = traj[t - 1]![i]!;
      expect(v, `${label} step ${t}`).toBeLessThanOrEqual(prev + slack(prev));
    });
  }
  const again = await memory.step(r.retrieved, r.associations, { rng, step: 0 });
  expect(again.change).toBe(0);
  tf.dispose([again.state, again.associations]);
}
