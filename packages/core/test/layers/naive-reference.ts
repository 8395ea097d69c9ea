// Float64 JavaScript references for the layer tests: naive loops, no tfjs.
import { expect } from 'vitest';
import type { SeededRandom } from '../../src/index';

export type N2 = number[][];
export type N3 = number[][][];
export type N4 = number[][][][];

/** `n` standard-normal numbers from a seeded stream. */
export function randn(rng: SeededRandom, n: number, scale = 1): number[] {
  return Array.from({ length: n }, () => rng.normal() * scale);
}

/** Reshapes a flat array into nested arrays of `shape`. */
export function nest(flat: ArrayLike<number>, shape: readonly number[]): unknown {
  if (shape.length === 0) return flat[0];
  const [first, ...rest] = shape as [number, ...number[]];
  const stride = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: first }, (_, i) => nest(Array.prototype.slice.call(flat, i * stride, (i + 1) * stride) as number[], rest));
}

/** Flattens nested arrays. */
export function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap((v) => flat(v)) : [x as number];
}

/**
 * Asserts `|actual - expected| <= abs + rel * |expected|` elementwise, reporting the worst entry.
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

/** Central finite differences of a float64 scalar function. */
export function finiteDiff(f: (x: number[]) => number, x: readonly number[], h = 1e-6): number[] {
  const g: number[] = [];
  const xs = [...x];
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i] as number;
    xs[i] = v + h;
    const fp = f(xs);
    xs[i] = v - h;
    const fm = f(xs);
    xs[i] = v;
    g.push((fp - fm) / (2 * h));
  }
  return g;
}

/** erf by its Taylor series (accurate to ~1e-12 for |x| <= 4). */
export function erf64(x: number): number {
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

/** GELU, exact or tanh form. */
export function gelu64(x: number, approximate: 'none' | 'tanh' = 'none'): number {
  if (approximate === 'tanh') {
    return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  }
  return 0.5 * x * (1 + erf64(x / Math.SQRT2));
}

/** Layer norm of one row (biased variance). */
export function layerNormRow(
  row: readonly number[],
  gamma: readonly number[] | null,
  beta: readonly number[] | null,
  eps: number,
): number[] {
  const n = row.length;
  const mean = row.reduce((a, b) => a + b, 0) / n;
  const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  const inv = 1 / Math.sqrt(variance + eps);
  return row.map((v, i) => (v - mean) * inv * (gamma ? (gamma[i] as number) : 1) + (beta ? (beta[i] as number) : 0));
}

/** `x [rows, in] W [in, units] + b`. */
export function matmulBias(x: N2, w: N2, b: readonly number[] | null): N2 {
  return x.map((row) =>
    (w[0] as number[]).map(
      (_, j) => row.reduce((acc, v, i) => acc + v * ((w[i] as number[])[j] as number), 0) + (b ? (b[j] as number) : 0),
    ),
  );
}

/** Softmax of a row. */
export function softmaxRow(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Indices of the k largest entries, ties to the lower index (like tf.topk). */
export function topKIndices(row: readonly number[], k: number): number[] {
  return row
    .map((v, i) => [v, i] as const)
    .sort((a, b) => (b[0] !== a[0] ? b[0] - a[0] : a[1] - b[1]))
    .slice(0, Math.min(k, row.length))
    .map(([, i]) => i);
}

/** Top-k softmax of a row: weights (0 outside the kept set) and the 0/1 gate. */
export function topKSoftmaxRow(row: readonly number[], k: number): { weights: number[]; gate: number[] } {
  const keep = topKIndices(row, k);
  const gate = row.map(() => 0);
  for (const i of keep) gate[i] = 1;
  const m = Math.max(...keep.map((i) => row[i] as number));
  const e = row.map((v, i) => (gate[i] ? Math.exp(v - m) : 0));
  const s = e.reduce((a, b) => a + b, 0);
  return { weights: e.map((v) => v / s), gate };
}

/**
 * Naive multi-head attention for one (batch, head): `q [tq][d]`, `k [tk][d]`, `v [tk][dv]`;
 * `allowed(i, j)` says whether query i may see key j; fully blocked rows give zeros.
 */
export function attentionHead(
  q: N2,
  k: N2,
  v: N2,
  scale: number,
  allowed: (i: number, j: number) => boolean = () => true,
): { output: N2; weights: N2 } {
  const weights = q.map((qi, i) => {
    const logits = k.map((kj) => qi.reduce((acc, x, t) => acc + x * (kj[t] as number), 0) * scale);
    const ok = logits.map((_, j) => allowed(i, j));
    if (!ok.some(Boolean)) return logits.map(() => 0);
    const m = Math.max(...logits.filter((_, j) => ok[j]));
    const e = logits.map((l, j) => (ok[j] ? Math.exp(l - m) : 0));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / s);
  });
  const dv = (v[0] as number[]).length;
  const output = weights.map((w) =>
    Array.from({ length: dv }, (_, c) => w.reduce((acc, wj, j) => acc + wj * ((v[j] as number[])[c] as number), 0)),
  );
  return { output, weights };
}

/** Top-k attention for one (batch, head): each query keeps its k largest logits. */
export function topKAttentionHead(q: N2, k: N2, v: N2, topK: number, scale: number): { output: N2; weights: N2; gate: N2 } {
  const rows = q.map((qi) => k.map((kj) => qi.reduce((acc, x, t) => acc + x * (kj[t] as number), 0) * scale));
  const res = rows.map((r) => topKSoftmaxRow(r, topK));
  const weights = res.map((r) => r.weights);
  const dv = (v[0] as number[]).length;
  const output = weights.map((w) =>
    Array.from({ length: dv }, (_, c) => w.reduce((acc, wj, j) => acc + wj * ((v[j] as number[])[c] as number), 0)),
  );
  return { output, weights, gate: res.map((r) => r.gate) };
}

/** Splits `[t][heads * d]` into head `h`'s `[t][d]` (features h*d .. h*d+d-1), starting at `offset`. */
export function headSlice(x: N2, h: number, d: number, offset = 0): N2 {
  return x.map((row) => row.slice(offset + h * d, offset + (h + 1) * d));
}
