// A float64 reference of the Hopfield association layer, written with plain loops from the formula:
// LN -> projections (or static) -> Hopfield-space LN -> bias / zero patterns -> masked per-head
// softmax(beta q k^T) with state updates q <- xi k -> xi v -> output projection -> activation.
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type * as tf from '@tensorflow/tfjs-core';
import type { HopfieldArgs } from '../../src/index';

export type V = number[];
export type Mat = number[][];

/** Options of the reference; mirror the layer's (only those that change the computation). */
export interface RefOptions {
  heads: number;
  hidden: number;
  pattern: number;
  beta: number[];
  updateStepsMax: number;
  updateStepsEps: number | number[];
  normStored: { eps: number; affine: boolean } | null;
  normState: { eps: number; affine: boolean } | null;
  normProjection: { eps: number; affine: boolean } | null;
  normHopfield: { eps: number; affine: boolean } | null;
  storedStatic: boolean;
  stateStatic: boolean;
  projectionStatic: boolean;
  connected: boolean;
  inputBias: boolean;
  biasPattern: boolean;
  zeroAssociation: boolean;
  outProjection: boolean;
  activation: 'tanh' | 'relu' | null;
}

/** Layer options that leave plain modern Hopfield retrieval: every input static, nothing normalised or projected. */
export const PLAIN_RETRIEVAL: HopfieldArgs = {
  storedPatternAsStatic: true,
  statePatternAsStatic: true,
  patternProjectionAsStatic: true,
  disableOutProjection: true,
  normalizeStoredPattern: false,
  normalizeStatePattern: false,
  normalizePatternProjection: false,
};

/** A layer norm of the reference: its epsilon and whether it has a learned scale and shift. */
export const ln = (eps = 1e-5, affine = true): { eps: number; affine: boolean } => ({ eps, affine });

/** Reference options of a layer with the defaults and per-head width `hidden` (one head); `overrides` change the rest. */
export function referenceDefaults(hidden: number, overrides: Partial<RefOptions> = {}): RefOptions {
  return {
    heads: 1,
    hidden,
    pattern: hidden,
    beta: [1 / Math.sqrt(hidden)],
    updateStepsMax: 0,
    updateStepsEps: 1e-4,
    normStored: ln(),
    normState: ln(),
    normProjection: ln(),
    normHopfield: null,
    storedStatic: false,
    stateStatic: false,
    projectionStatic: false,
    connected: false,
    inputBias: true,
    biasPattern: false,
    zeroAssociation: false,
    outProjection: true,
    activation: null,
    ...overrides,
  };
}

/** Named weights of a layer, by the end of their name (`stored_projection/kernel`), as flat arrays. */
export type Weights = (suffix: string) => V | null;

/** Reads a layer's or model's weights by suffix. */
export function weightsOf(layer: { weights: { originalName: string; read(): tf.Tensor }[] } | LayersModel): Weights {
  return (suffix) => {
    const w = layer.weights.find((v) => v.originalName.endsWith(suffix));
    return w ? Array.from(w.read().dataSync()) : null;
  };
}

function layerNorm(x: V, eps: number, gamma: V | null, beta: V | null): V {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * (gamma ? gamma[i]! : 1) + (beta ? beta[i]! : 0));
}

/** `x [in] . kernel [in, units] + bias`, the kernel flat row-major. */
function dense(x: V, kernel: V, bias: V | null, units: number): V {
  return Array.from({ length: units }, (_, j) => x.reduce((s, xi, i) => s + xi * kernel[i * units + j]!, 0) + (bias ? bias[j]! : 0));
}

function need(w: Weights, suffix: string): V {
  const v = w(suffix);
  if (!v) throw new Error(`reference: missing weight ${suffix}`);
  return v;
}

/** Per-head rows `[heads][n][width]` from rows `[n][heads * width]`. */
function split(rows: Mat, heads: number, width: number): Mat[] {
  return Array.from({ length: heads }, (_, h) => rows.map((r) => r.slice(h * width, (h + 1) * width)));
}

export interface RefResult {
  /** `[batch][L][out]` */
  output: Mat[];
  /** `[batch][heads][L][S']` */
  associations: Mat[][];
}

/**
 * The layer's computation for one batch: `K [b][S][ks]`, `Q [b][L][qs]`, `Vin [b][S][vs]`,
 * `mask(b, h, l, s)` (original patterns only; appended patterns are always allowed).
 */
export function referenceHopfield(
  o: RefOptions,
  w: Weights,
  K: Mat[],
  Q: Mat[],
  Vin: Mat[],
  mask: ((b: number, h: number, l: number, s: number) => number) | null = null,
): RefResult {
  const H = o.heads;
  const norm = (rows: Mat, cfg: RefOptions['normStored'], name: string): Mat =>
    cfg
      ? rows.map((r) => layerNorm(r, cfg.eps, cfg.affine ? need(w, `${name}/gamma`) : null, cfg.affine ? need(w, `${name}/beta`) : null))
      : rows;
  const proj = (rows: Mat, name: string, units: number): Mat =>
    rows.map((r) => dense(r, need(w, `${name}/kernel`), o.inputBias ? need(w, `${name}/bias`) : null, units));
  const batch = Q.length;
  const qsAll: Mat[][] = [];
  const ksAll: Mat[][] = [];
  const vsAll: Mat[][] = [];
  for (let b = 0; b < batch; b++) {
    const kn = norm(K[b]!, o.normStored, 'norm_stored');
    const qn = norm(Q[b]!, o.normState, 'norm_state');
    const vn = norm(Vin[b]!, o.normProjection, 'norm_projection');
    let qh = o.stateStatic ? Array.from({ length: H }, () => qn) : split(proj(qn, 'state_projection', H * o.hidden), H, o.hidden);
    let kh = o.storedStatic ? Array.from({ length: H }, () => kn) : split(proj(kn, 'stored_projection', H * o.hidden), H, o.hidden);
    let vh: Mat[];
    if (o.connected)
      vh = o.storedStatic ? Array.from({ length: H }, () => vn) : split(proj(vn, 'stored_projection', H * o.hidden), H, o.hidden);
    else if (o.projectionStatic) vh = Array.from({ length: H }, () => vn);
    else vh = split(proj(vn, 'pattern_projection', H * o.pattern), H, o.pattern);
    if (o.normHopfield) {
      const g = o.normHopfield.affine ? need(w, 'hopfield_norm_gamma') : null;
      const be = o.normHopfield.affine ? need(w, 'hopfield_norm_beta') : null;
      const eps = o.normHopfield.eps;
      qh = qh.map((rows) => rows.map((r) => layerNorm(r, eps, g, be)));
      kh = kh.map((rows) => rows.map((r) => layerNorm(r, eps, g, be)));
    }
    if (o.biasPattern) {
      const bk = need(w, 'bias_stored');
      const bv = need(w, 'bias_projection');
      kh = kh.map((rows, h) => [...rows, bk.slice(h * o.hidden, (h + 1) * o.hidden)]);
      vh = vh.map((rows, h) => [...rows, bv.slice(h * o.pattern, (h + 1) * o.pattern)]);
    }
    if (o.zeroAssociation) {
      kh = kh.map((rows) => [...rows, new Array<number>(o.hidden).fill(0)]);
      vh = vh.map((rows) => [...rows, new Array<number>((vh[0]![0] ?? []).length).fill(0)]);
    }
    qsAll.push(qh);
    ksAll.push(kh);
    vsAll.push(vh);
  }
  const S = K[0]!.length;
  const allowed = (b: number, h: number, l: number, s: number): boolean => s >= S || !mask || mask(b, h, l, s) !== 0;
  const associate = (b: number, h: number, q: Mat): Mat =>
    q.map((qi, l) => {
      const logits = ksAll[b]![h]!.map((k, s) =>
        allowed(b, h, l, s) ? o.beta[h]! * k.reduce((a, kv, j) => a + kv * qi[j]!, 0) : -Infinity,
      );
      const m = Math.max(...logits);
      if (m === -Infinity) return logits.map(() => 0);
      const e = logits.map((z) => (z === -Infinity ? 0 : Math.exp(z - m)));
      const sum = e.reduce((a, c) => a + c, 0);
      return e.map((v) => v / sum);
    });
  let xi = qsAll.map((qh, b) => qh.map((q, h) => associate(b, h, q)));
  const active = Array.from({ length: H }, () => o.updateStepsMax > 0);
  let steps = 0;
  while (steps < o.updateStepsMax && active.some((a) => a)) {
    const nextQ = qsAll.map((qh, b) =>
      qh.map((q, h) => {
        if (!active[h]) return q;
        return xi[b]![h]!.map((row) => ksAll[b]![h]![0]!.map((_, j) => row.reduce((a, x, s) => a + x * ksAll[b]![h]![s]![j]!, 0)));
      }),
    );
    const nextXi = nextQ.map((qh, b) => qh.map((q, h) => associate(b, h, q)));
    steps += 1;
    for (let h = 0; h < H; h++) {
      if (!active[h]) continue;
      let worst = 0;
      for (let b = 0; b < batch; b++) {
        let ss = 0;
        nextXi[b]![h]!.forEach((row, l) => row.forEach((v, s) => (ss += (v - xi[b]![h]![l]![s]!) ** 2)));
        worst = Math.max(worst, Math.sqrt(ss));
      }
      const eps = typeof o.updateStepsEps === 'number' ? o.updateStepsEps : o.updateStepsEps[h]!;
      if (worst <= eps || steps >= o.updateStepsMax) active[h] = false;
    }
    for (let b = 0; b < batch; b++) qsAll[b] = nextQ[b]!;
    xi = nextXi;
  }
  const output = xi.map((xh, b) => {
    const L = xh[0]!.length;
    return Array.from({ length: L }, (_, l) => {
      const concat = xh.flatMap((x, h) => vsAll[b]![h]![0]!.map((_, j) => x[l]!.reduce((a, xv, s) => a + xv * vsAll[b]![h]![s]![j]!, 0)));
      let out = concat;
      if (o.outProjection) {
        const kernel = need(w, 'output_projection/kernel');
        const units = kernel.length / concat.length;
        out = dense(concat, kernel, o.inputBias ? need(w, 'output_projection/bias') : null, units);
      }
      if (o.activation === 'tanh') out = out.map(Math.tanh);
      if (o.activation === 'relu') out = out.map((v) => Math.max(v, 0));
      return out;
    });
  });
  return { output, associations: xi };
}
