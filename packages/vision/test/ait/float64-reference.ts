// Independent float64 references for the AiT tests: plain loops over nested arrays, no tfjs.
import type * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { expectClose as expectCloseTo, matmul, softmaxRow as softmax, transpose } from '@ait/core/testing';
import { gelu } from '../helpers/float64-ops';

export { gelu, matmul, softmax, transpose };

export type Mat = number[][];

/** Rows x cols matrix from a flat row-major array. */
export function toMat(flat: ArrayLike<number>, rows: number, cols: number): Mat {
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => flat[r * cols + c] as number));
}

export function addRow(a: Mat, bias: readonly number[]): Mat {
  return a.map((row) => row.map((v, j) => v + (bias[j] as number)));
}

export function add(a: Mat, b: Mat): Mat {
  return a.map((row, i) => row.map((v, j) => v + (b[i]?.[j] as number)));
}

export function scale(a: Mat, s: number): Mat {
  return a.map((row) => row.map((v) => v * s));
}

/** LayerNorm of each row with the biased variance. */
export function layerNormRows(a: Mat, gamma: readonly number[], beta: readonly number[], eps: number): Mat {
  return a.map((row) => {
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / row.length;
    return row.map((v, j) => ((v - mean) / Math.sqrt(variance + eps)) * (gamma[j] as number) + (beta[j] as number));
  });
}

export function rowNormalize(a: Mat): Mat {
  return a.map((row) => {
    const n = Math.sqrt(row.reduce((s, v) => s + v * v, 0));
    return row.map((v) => v / n);
  });
}

/** Unbiased variance / (mean^2 + 1e-10); 0 for a single value. */
export function cv2(x: readonly number[]): number {
  if (x.length <= 1) return 0;
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1);
  return variance / (mean * mean + 1e-10);
}

/** The weight of `layer` whose name ends with `suffix`, as a flat float64 array. */
export function weight(layer: layers.Layer, suffix: string): number[] {
  const found = layer.weights.filter((w) => w.originalName.endsWith(suffix));
  if (found.length !== 1) throw new Error(`expected one weight ending with ${suffix}, found ${found.length}`);
  return Array.from((found[0] as { read(): tf.Tensor }).read().dataSync());
}

/** Asserts `|actual - expected| <= tol (1 + |expected|)` elementwise and reports the worst entry. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-4, label = ''): void {
  expectCloseTo(actual, expected, { abs: tol, rel: tol }, label);
}

/** The weights a global workspace layer reads, as float64 matrices. */
export interface GwlWeights {
  fc1: Mat;
  fc1b: number[];
  fc2: Mat;
  fc2b: number[];
  ffGamma: number[];
  ffBeta: number[];
  priors: Mat;
  wq: Mat;
  wk: Mat;
  wv: Mat;
  wo: Mat;
  writeGamma: number[];
  writeBeta: number[];
  up: Mat;
  upb: number[];
}

export function gwlWeights(layer: layers.Layer, d: number, f: number, m: number, dm: number, hm: number): GwlWeights {
  return {
    fc1: toMat(weight(layer, 'ff/fc1/kernel'), d, f),
    fc1b: weight(layer, 'ff/fc1/bias'),
    fc2: toMat(weight(layer, 'ff/fc2/kernel'), f, d),
    fc2b: weight(layer, 'ff/fc2/bias'),
    ffGamma: weight(layer, 'ff_norm/gamma'),
    ffBeta: weight(layer, 'ff_norm/beta'),
    priors: toMat(weight(layer, '/priors'), m, dm),
    wq: toMat(weight(layer, 'write/query/kernel'), dm, hm * dm),
    wk: toMat(weight(layer, 'write/key/kernel'), d, hm * dm),
    wv: toMat(weight(layer, 'write/value/kernel'), d, hm * dm),
    wo: toMat(weight(layer, 'write/output/kernel'), hm * dm, dm),
    writeGamma: weight(layer, 'write_norm/gamma'),
    writeBeta: weight(layer, 'write_norm/beta'),
    up: toMat(weight(layer, 'up/kernel'), dm, d),
    upb: weight(layer, 'up/bias'),
  };
}

/** What {@link referenceGwl} computes. */
export interface GwlReference {
  /** `[batch][tokens][dim]`: R + z. */
  out: number[][][];
  /** The stored priors after the EMA step `[M][Dm]`. */
  stored: Mat;
  /** Balance loss (already weighted). */
  balance: number;
  /** Gate weights per head (and image for 'sample'): `[group][head][slot][token]`. */
  gates: number[][][][];
}

/**
 * AiT's global workspace layer written out from the design note, one image group at a time
 * ('batch': one group of all B*N tokens; 'sample': one group per image), without dropout.
 */
export function referenceGwl(
  u: number[][][],
  w: GwlWeights,
  o: { topK: number; heads: number; momentum: number; beta: number; balanceWeight: number; mode: 'batch' | 'sample' },
): GwlReference {
  const dm = w.priors[0]?.length as number;
  const z = u.map((img) => {
    const h = addRow(matmul(img, w.fc1), w.fc1b).map((r) => r.map(gelu));
    return layerNormRows(addRow(matmul(h, w.fc2), w.fc2b), w.ffGamma, w.ffBeta, 1e-5);
  });
  const groups = o.mode === 'batch' ? [z.flat()] : z;
  const q = matmul(w.priors, w.wq);
  const written: Mat[] = [];
  const gates: number[][][][] = [];
  let balance = 0;
  for (const tokens of groups) {
    const k = matmul(tokens, w.wk);
    const v = matmul(tokens, w.wv);
    const concat: Mat = w.priors.map(() => []);
    const groupGates: number[][][] = [];
    for (let h = 0; h < o.heads; h++) {
      const cols = (x: Mat): Mat => x.map((r) => r.slice(h * dm, (h + 1) * dm));
      const qh = cols(q);
      const kh = cols(k);
      const vh = cols(v);
      const logits = scale(matmul(qh, transpose(kh)), 1 / Math.sqrt(dm));
      const gate = logits.map((row) => {
        const keep = Math.min(o.topK, row.length);
        const order = row.map((val, i) => [val, i] as const).sort((a, b) => b[0] - a[0]);
        const kept = order.slice(0, keep);
        const s = softmax(kept.map(([val]) => val));
        const g = row.map(() => 0);
        kept.forEach(([, i], j) => (g[i] = s[j] as number));
        return g;
      });
      groupGates.push(gate);
      const importance = tokens.map((_, t) => gate.reduce((acc, row) => acc + (row[t] as number), 0));
      const load = tokens.map((_, t) => gate.reduce((acc, row) => acc + ((row[t] as number) > 0 ? 1 : 0), 0));
      balance += (o.balanceWeight * (cv2(importance) + cv2(load))) / groups.length;
      const outH = matmul(gate, vh);
      outH.forEach((row, m) => (concat[m] as number[]).push(...row));
    }
    gates.push(groupGates);
    written.push(layerNormRows(add(matmul(concat, w.wo), w.priors), w.writeGamma, w.writeBeta, 1e-6));
  }
  const ema = (x: Mat): Mat => rowNormalize(add(scale(w.priors, o.momentum), scale(x, 1 - o.momentum)));
  const perGroup = written.map(ema);
  const meanWritten = written.reduce((acc, x) => add(acc, scale(x, 1 / written.length)), scale(w.priors, 0));
  const stored = ema(meanWritten);
  const out = z.map((img, b) => {
    const g = addRow(matmul(perGroup[o.mode === 'batch' ? 0 : b] as Mat, w.up), w.upb);
    const assoc = matmul(img, transpose(g)).map((row) => softmax(row.map((val) => val * o.beta)));
    return add(matmul(assoc, g), img);
  });
  return { out, stored, balance, gates };
}
