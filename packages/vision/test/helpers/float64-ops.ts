// Plain float64 JavaScript references for the Coordination / Set Transformer / Perceiver / AFT /
// MLP-Mixer tests: `@ait/core/testing`'s shared references under the names these tests use, and
// the few this package adds. Naive loops, written independently of the library code, no tfjs.
import { affine, gelu64, layerNormRow, type Matrix } from '@ait/core/testing';

export {
  affine,
  erf64 as erf,
  expectClose,
  finiteDiff,
  layerNormRow as layerNormVec,
  matmul,
  randn,
  softmaxRow as softmaxVec,
  transpose,
} from '@ait/core/testing';

/** A matrix as rows. */
export type M = Matrix;

/** Splits a flat array into `rows` rows. */
export function rows(flat: ArrayLike<number>, n: number, cols: number): M {
  return Array.from({ length: n }, (_, i) => Array.from({ length: cols }, (_, j) => flat[i * cols + j] as number));
}

/** Splits a flat `[a, b, c]` array into nested arrays. */
export function cube(flat: ArrayLike<number>, a: number, b: number, c: number): number[][][] {
  return Array.from({ length: a }, (_, i) => rows(Array.prototype.slice.call(flat, i * b * c, (i + 1) * b * c) as number[], b, c));
}

/** The exact (erf) GELU of one number. */
export function gelu(x: number): number {
  return gelu64(x);
}

/** The logistic sigmoid. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** Float64 views of a built layer's weights, by name without the layer's own scope (see {@link weightsOf}). */
export interface WeightViews {
  /** A `[rows, cols]` weight as a matrix. */
  mat(name: string): M;
  /** A weight as a flat vector (empty when the layer has no such weight). */
  vec(name: string): number[];
  /** Whether the layer has the weight. */
  has(name: string): boolean;
  /** `x <name>/kernel + <name>/bias` row by row. */
  lin(x: M, name: string): M;
  /** LayerNorm of each row with `<name>/gamma` and `<name>/beta`. */
  ln(x: M, name: string, eps: number): M;
}

/** The weights of `layer` whose names match `scope` (e.g. `/^mixer\//`, removed from the names), as float64 views. */
export function weightsOf(
  layer: { weights: { originalName: string; read(): { dataSync(): ArrayLike<number>; shape: number[] } }[] },
  scope: RegExp,
): WeightViews {
  const w = new Map(layer.weights.map((v) => [v.originalName.replace(scope, ''), v.read()]));
  const mat = (name: string): M => {
    const t = w.get(name);
    if (!t) throw new Error(`no weight ${name}`);
    return rows(t.dataSync(), t.shape[0] as number, t.shape[1] as number);
  };
  const vec = (name: string): number[] => Array.from(w.get(name)?.dataSync() ?? []);
  return {
    mat,
    vec,
    has: (name) => w.has(name),
    lin: (x, name) => affine(x, mat(`${name}/kernel`), vec(`${name}/bias`)),
    ln: (x, name, eps) => x.map((r) => layerNormRow(r, vec(`${name}/gamma`), vec(`${name}/beta`), eps)),
  };
}
