// Float64 references for tests: plain JavaScript loops, written independently of tfjs and of the
// library code they check.
import type { SeededRandom } from '../src/random/seeded-random';

/** A matrix as rows: `[rows][cols]`. */
export type Matrix = number[][];

/** `n` standard-normal numbers times `scale`, from a seeded stream. */
export function randn(rng: SeededRandom, n: number, scale = 1): number[] {
  return Array.from({ length: n }, () => rng.normal() * scale);
}

/** A `rows x cols` matrix of standard-normal numbers times `scale`, from a seeded stream. */
export function randMatrix(rng: SeededRandom, rows: number, cols: number, scale = 1): Matrix {
  return Array.from({ length: rows }, () => randn(rng, cols, scale));
}

/** Flattens nested arrays, row-major. */
export function flat(x: unknown): number[] {
  return Array.isArray(x) ? x.flatMap((v) => flat(v)) : [x as number];
}

/** Reshapes a flat array into nested arrays of `shape` (row-major). */
export function nest(values: ArrayLike<number>, shape: readonly number[]): unknown {
  if (shape.length === 0) return values[0];
  const [first, ...rest] = shape as [number, ...number[]];
  const stride = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: first }, (_, i) => nest(Array.prototype.slice.call(values, i * stride, (i + 1) * stride) as number[], rest));
}

/** `a [n, k] x b [k, m]`. */
export function matmul(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): Matrix {
  const k = b.length;
  const m = (b[0] as readonly number[]).length;
  return a.map((row) => {
    const out = new Array<number>(m).fill(0);
    for (let p = 0; p < k; p++) {
      const v = row[p] as number;
      const bp = b[p] as readonly number[];
      for (let j = 0; j < m; j++) out[j] = (out[j] as number) + v * (bp[j] as number);
    }
    return out;
  });
}

/** The transpose of a matrix. */
export function transpose(a: readonly (readonly number[])[]): Matrix {
  return (a[0] as readonly number[]).map((_, j) => a.map((row) => row[j] as number));
}

/** `x W + b` row by row: `x [rows, in]`, `W [in, units]`, `b [units]` (or none). */
export function affine(x: readonly (readonly number[])[], w: readonly (readonly number[])[], b?: readonly number[] | null): Matrix {
  const y = matmul(x, w);
  return b ? y.map((row) => row.map((v, j) => v + (b[j] as number))) : y;
}

/** Softmax of one row (max-shifted). */
export function softmaxRow(row: readonly number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** `log(sum exp(z))` of one row (max-shifted). */
export function logSumExp(z: readonly number[]): number {
  const m = Math.max(...z);
  return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
}

/** Layer norm of one row (biased variance, as PyTorch), with optional gain and shift. */
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

/** erf by its Taylor series for `|x| <= 4` (accurate to about 1e-12), `sign(x)` beyond (off by < 2e-8). */
export function erf64(x: number): number {
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

/** GELU: the exact (erf) form, or the tanh approximation. */
export function gelu64(x: number, approximate: 'none' | 'tanh' = 'none'): number {
  if (approximate === 'tanh') return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
  return 0.5 * x * (1 + erf64(x / Math.SQRT2));
}

/** Central finite differences `(f(x + h e_i) - f(x - h e_i)) / 2h` of a float64 scalar function of a flat vector. */
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
