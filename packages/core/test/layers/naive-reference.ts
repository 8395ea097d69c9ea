// Float64 JavaScript references for the attention layer tests: naive loops, no tfjs. The general
// ones (matmul, softmax, layer norm, GELU, finite differences, expectClose) are in @ait/core/testing.
import { matmul } from '../../testing/index';

export type N2 = number[][];
export type N3 = number[][][];
export type N4 = number[][][][];

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
  const output = matmul(weights, v);
  return { output, weights };
}

/** Top-k attention for one (batch, head): each query keeps its k largest logits. */
export function topKAttentionHead(q: N2, k: N2, v: N2, topK: number, scale: number): { output: N2; weights: N2; gate: N2 } {
  const rows = q.map((qi) => k.map((kj) => qi.reduce((acc, x, t) => acc + x * (kj[t] as number), 0) * scale));
  const res = rows.map((r) => topKSoftmaxRow(r, topK));
  const weights = res.map((r) => r.weights);
  const output = matmul(weights, v);
  return { output, weights, gate: res.map((r) => r.gate) };
}

/** Splits `[t][heads * d]` into head `h`'s `[t][d]` (features h*d .. h*d+d-1), starting at `offset`. */
export function headSlice(x: N2, h: number, d: number, offset = 0): N2 {
  return x.map((row) => row.slice(offset + h * d, offset + (h + 1) * d));
}
