// Plain float64 JavaScript references for the Coordination / Set Transformer / Perceiver / AFT /
// MLP-Mixer tests: naive loops, written independently of the library code, no tfjs.
import { expect } from 'vitest';
import type { SeededRandom } from '@ait/core';

export type M = number[][];

/** `n` standard-normal numbers (times `scale`) from a seeded stream. */
export function randn(rng: SeededRandom, n: number, scale = 1): number[] {
  return Array.from({ length: n }, () => rng.normal() * scale);
}

/** Splits a flat array into `rows` rows. */
export function rows(flat: ArrayLike<number>, n: number, cols: number): M {
  return Array.from({ length: n }, (_, i) => Array.from({ length: cols }, (_, j) => flat[i * cols + j] as number));
}

/** Splits a flat `[a, b, c]` array into nested arrays. */
export function cube(flat: ArrayLike<number>, a: number, b: number, c: number): number[][][] {
  return Array.from({ length: a }, (_, i) => rows(Array.prototype.slice.call(flat, i * b * c, (i + 1) * b * c) as number[], b, c));
}

/** `a [n, k] x b [k, m]`. */
export function matmul(a: M, b: M): M {
  const k = b.length;
  const m = (b[0] as number[]).length;
  return a.map((row) => {
    const out = new Array<number>(m).fill(0);
    for (let p = 0; p < k; p++) {
      const v = row[p] as number;
      const bp = b[p] as number[];
      for (let j = 0; j < m; j++) out[j] = (out[j] as number) + v * (bp[j] as number);
    }
    return out;
  });
}

/** Transpose of a matrix. */
export function transpose(a: M): M {
  return (a[0] as number[]).map((_, j) => a.map((r) => r[j] as number));
}

/** `x W + b` row by row. */
export function affine(x: M, w: M, b?: number[] | null): M {
  const y = matmul(x, w);
  return b ? y.map((r) => r.map((v, j) => v + (b[j] as number))) : y;
}

/** LayerNorm of one vector (biased variance, as PyTorch). */
export function layerNormVec(x: number[], gamma: number[] | null, beta: number[] | null, eps: number): number[] {
  const mean = x.reduce((a, v) => a + v, 0) / x.length;
  const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * (gamma ? (gamma[i] as number) : 1) + (beta ? (beta[i] as number) : 0));
}

/** Softmax of one vector (max-shifted). */
export function softmaxVec(x: number[]): number[] {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, v) => a + v, 0);
  return e.map((v) => v / s);
}

/** erf by its Taylor series (|x| <= 4) and an asymptotic tail beyond. */
export function erf(x: number): number {
  if (Math.abs(x) > 4) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** The exact (erf) GELU. */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

/** The logistic sigmoid. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Asserts `|actual - expected| <= abs + rel |expected|` elementwise and reports the worst entry. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: { abs?: number; rel?: number } = {},
  label = '',
): void {
  const abs = tol.abs ?? 1e-5;
  const rel = tol.rel ?? 1e-4;
  expect(actual.length, `${label}: length`).toBe(expected.length);
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
  if (worst >= 0) expect.fail(`${label}: entry ${worst} is ${actual[worst]} but expected ${expected[worst]} (abs ${abs}, rel ${rel})`);
}

/** Central finite differences of a float64 scalar function. */
export function finiteDiff(f: (x: number[]) => number, x: readonly number[], h = 1e-6): number[] {
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
