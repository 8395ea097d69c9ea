// The AFT token mixers against direct float64 loops: AFT-full = the O(T^2) definition, AFT-simple =
// AFT-full with zero biases, AFT-local = AFT-full with biases zeroed outside the window, AFT-conv =
// AFT-full with per-head 2-D window biases.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '@ait/core';
import { aftConv, aftConvKernel, aftFull, aftLocalBias, aftSimple } from '../../src/index';
import { cube, expectClose, finiteDiff, randn, rows, sigmoid, type M } from '../helpers/float64-ops';
import { useBackend } from '../helpers/backend';

useBackend('wasm');

const B = 2;
const T = 6;
const D = 3;

/** Y[b][t][c] = sigmoid(Q) sum_t' exp(K[t'] + w[t][t']) V[t'] / sum_t' exp(K[t'] + w[t][t']), with a max shift. */
function aftReference(q: number[][][], k: number[][][], v: number[][][], w: M): number[] {
  const out: number[] = [];
  for (let b = 0; b < q.length; b++) {
    const qb = q[b] as M;
    const kb = k[b] as M;
    const vb = v[b] as M;
    for (let t = 0; t < qb.length; t++) {
      for (let c = 0; c < (qb[0] as number[]).length; c++) {
        const logits = kb.map((row, s) => (row[c] as number) + ((w[t] as number[])[s] as number));
        const m = Math.max(...logits);
        let num = 0;
        let den = 0;
        logits.forEach((l, s) => {
          const e = Math.exp(l - m);
          num += e * ((vb[s] as number[])[c] as number);
          den += e;
        });
        out.push(sigmoid((qb[t] as number[])[c] as number) * (num / den));
      }
    }
  }
  return out;
}

function inputs(rng: SeededRandom, kScale = 1): { q: number[]; k: number[]; v: number[]; w: number[] } {
  return { q: randn(rng, B * T * D), k: randn(rng, B * T * D, kScale), v: randn(rng, B * T * D), w: randn(rng, T * T) };
}

describe('AFT-full', () => {
  it('equals the direct O(T^2) loop', () => {
    const { q, k, v, w } = inputs(new SeededRandom(1));
    const y = aftFull(tf.tensor3d(q, [B, T, D]), tf.tensor3d(k, [B, T, D]), tf.tensor3d(v, [B, T, D]), tf.tensor2d(w, [T, T]));
    expect(y.shape).toEqual([B, T, D]);
    expectClose(y.dataSync(), aftReference(cube(q, B, T, D), cube(k, B, T, D), cube(v, B, T, D), rows(w, T, T)), {}, 'aftFull');
  });

  it('stays finite and exact for keys far beyond float32 exp overflow (K ~ 100 + 10 N(0, 1), w ~ 10 N(0, 1))', () => {
    const rng = new SeededRandom(2);
    const { q, v } = inputs(rng);
    const k = randn(rng, B * T * D, 10).map((x) => x + 100);
    expect(Math.max(...k)).toBeGreaterThan(89); // exp(89) overflows float32
    const w = randn(rng, T * T, 10);
    const y = aftFull(tf.tensor3d(q, [B, T, D]), tf.tensor3d(k, [B, T, D]), tf.tensor3d(v, [B, T, D]), tf.tensor2d(w, [T, T]));
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    expectClose(y.dataSync(), aftReference(cube(q, B, T, D), cube(k, B, T, D), cube(v, B, T, D), rows(w, T, T)), { abs: 1e-4 }, 'large');
  });

  it('has the finite-difference gradient with respect to the position biases and the keys', () => {
    const rng = new SeededRandom(3);
    const { q, k, v, w } = inputs(rng);
    const r = randn(rng, B * T * D);
    const loss64 = (kk: number[], ww: number[]): number =>
      aftReference(cube(q, B, T, D), cube(kk, B, T, D), cube(v, B, T, D), rows(ww, T, T)).reduce((a, y, i) => a + y * (r[i] as number), 0);
    const R = tf.tensor3d(r, [B, T, D]);
    const f = (kt: tf.Tensor, wt: tf.Tensor): tf.Scalar =>
      tf.sum(tf.mul(aftFull(tf.tensor3d(q, [B, T, D]), kt, tf.tensor3d(v, [B, T, D]), wt), R));
    const [gk, gw] = tf.grads(f)([tf.tensor3d(k, [B, T, D]), tf.tensor2d(w, [T, T])]);
    expectClose(
      (gw as tf.Tensor).dataSync(),
      finiteDiff((p) => loss64(k, p), w),
      { abs: 1e-4, rel: 1e-3 },
      'dL/dw',
    );
    expectClose(
      (gk as tf.Tensor).dataSync(),
      finiteDiff((p) => loss64(p, w), k),
      { abs: 1e-4, rel: 1e-3 },
      'dL/dK',
    );
  });
});

describe('AFT-simple and AFT-local', () => {
  it('AFT-simple equals AFT-full with all position biases 0', () => {
    const { q, k, v } = inputs(new SeededRandom(4));
    const [qt, kt, vt] = [q, k, v].map((a) => tf.tensor3d(a, [B, T, D])) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const simple = aftSimple(qt, kt, vt);
    expectClose(simple.dataSync(), aftFull(qt, kt, vt, tf.zeros([T, T])).dataSync(), { abs: 1e-6 }, 'simple vs full(0)');
    expectClose(
      simple.dataSync(),
      aftReference(cube(q, B, T, D), cube(k, B, T, D), cube(v, B, T, D), rows(new Array(T * T).fill(0), T, T)),
      {},
      'simple',
    );
  });

  it("the local bias keeps w inside |t - t'| < s and is exactly 0 (not -inf) outside", () => {
    const w = randn(new SeededRandom(5), T * T);
    const local = aftLocalBias(tf.tensor2d(w, [T, T]), 2).dataSync();
    for (let t = 0; t < T; t++) {
      for (let s = 0; s < T; s++) {
        const got = local[t * T + s] as number;
        if (Math.abs(t - s) < 2) expect(got).toBe(Math.fround(w[t * T + s] as number));
        else expect(got === 0).toBe(true);
      }
    }
  });

  it('AFT-local equals AFT-full with the masked biases, and differs from AFT-full', () => {
    const { q, k, v, w } = inputs(new SeededRandom(6));
    const masked = rows(w, T, T).map((r, t) => r.map((x, s) => (Math.abs(t - s) < 2 ? x : 0)));
    const [qt, kt, vt] = [q, k, v].map((a) => tf.tensor3d(a, [B, T, D])) as [tf.Tensor, tf.Tensor, tf.Tensor];
    const local = aftFull(qt, kt, vt, aftLocalBias(tf.tensor2d(w, [T, T]), 2));
    expectClose(local.dataSync(), aftReference(cube(q, B, T, D), cube(k, B, T, D), cube(v, B, T, D), masked), {}, 'local');
    const full = aftFull(qt, kt, vt, tf.tensor2d(w, [T, T])).dataSync();
    expect(Math.max(...Array.from(local.dataSync()).map((x, i) => Math.abs(x - (full[i] as number))))).toBeGreaterThan(1e-3);
  });
});

describe('AFT-conv', () => {
  const GH = 3;
  const GW = 4;
  const TT = GH * GW;
  const H = 2;
  const DC = 4;
  const S = 3;

  /** Direct evaluation: per head, AFT-full with bias kernel[h][dy + p][dx + p] inside the window and 0 outside. */
  function convReference(q: number[][][], k: number[][][], v: number[][][], kernel: number[]): number[] {
    const p = (S - 1) / 2;
    const out: number[] = [];
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < TT; t++) {
        const [ty, tx] = [Math.floor(t / GW), t % GW];
        for (let c = 0; c < DC; c++) {
          const h = Math.floor(c / (DC / H));
          let num = 0;
          let den = 0;
          for (let s = 0; s < TT; s++) {
            const [dy, dx] = [Math.floor(s / GW) - ty + p, (s % GW) - tx + p];
            const w = dy >= 0 && dy < S && dx >= 0 && dx < S ? (kernel[(h * S + dy) * S + dx] as number) : 0;
            const e = Math.exp((((k[b] as M)[s] as number[])[h] as number) + w);
            num += e * (((v[b] as M)[s] as number[])[c] as number);
            den += e;
          }
          out.push(sigmoid(((q[b] as M)[t] as number[])[c] as number) * (num / den));
        }
      }
    }
    return out;
  }

  it('equals AFT-full with per-head window biases on the 2-D token grid', () => {
    const rng = new SeededRandom(7);
    const q = randn(rng, B * TT * DC);
    const k = randn(rng, B * TT * H);
    const v = randn(rng, B * TT * DC);
    const kernel = randn(rng, H * S * S);
    const y = aftConv(
      tf.tensor3d(q, [B, TT, DC]),
      tf.tensor3d(k, [B, TT, H]),
      tf.tensor3d(v, [B, TT, DC]),
      tf.tensor3d(kernel, [H, S, S]),
      GH,
      GW,
    );
    expect(y.shape).toEqual([B, TT, DC]);
    expectClose(y.dataSync(), convReference(cube(q, B, TT, DC), cube(k, B, TT, H), cube(v, B, TT, DC), kernel), {}, 'aftConv');
  });

  it("with a zero kernel is AFT-simple with each head's key shared by its channels", () => {
    const rng = new SeededRandom(8);
    const q = tf.tensor3d(randn(rng, B * TT * DC), [B, TT, DC]);
    const k = tf.tensor3d(randn(rng, B * TT * H), [B, TT, H]);
    const v = tf.tensor3d(randn(rng, B * TT * DC), [B, TT, DC]);
    const kFull = tf.reshape(tf.tile(tf.expandDims(k, 3), [1, 1, 1, DC / H]), [B, TT, DC]);
    expectClose(aftConv(q, k, v, tf.zeros([H, S, S]), GH, GW).dataSync(), aftSimple(q, kFull, v).dataSync(), { abs: 1e-6 }, 'conv(0)');
  });

  it('re-parameterises the kernel as gain * standardised(raw) + bias per head', () => {
    const rng = new SeededRandom(9);
    const raw = randn(rng, H * S * S);
    const gain = [0.5, -2];
    const bias = [0.1, 0.3];
    const got = aftConvKernel(tf.tensor3d(raw, [H, S, S]), tf.tensor1d(gain), tf.tensor1d(bias)).dataSync();
    const expected: number[] = [];
    for (let h = 0; h < H; h++) {
      const r = raw.slice(h * S * S, (h + 1) * S * S);
      const mean = r.reduce((a, x) => a + x, 0) / r.length;
      const sd = Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / r.length);
      for (const x of r) expected.push(((x - mean) / sd) * (gain[h] as number) + (bias[h] as number));
    }
    expectClose(got, expected, { abs: 1e-5 }, 'kernel');
  });

  it('rejects shapes that do not fit', () => {
    const q = tf.zeros([1, 12, 4]);
    expect(() => aftConv(q, tf.zeros([1, 12, 2]), q, tf.zeros([2, 2, 2]), 3, 4)).toThrow(/odd s/);
    expect(() => aftConv(q, tf.zeros([1, 12, 2]), q, tf.zeros([2, 3, 3]), 3, 3)).toThrow(/3x3 grid holds 9 tokens/);
    expect(() => aftConv(q, tf.zeros([1, 12, 4]), q, tf.zeros([2, 3, 3]), 3, 4)).toThrow(/one channel per head/);
    expect(() => aftFull(q, q, q, tf.zeros([5, 5]))).toThrow(/w must have shape \[12, 12\]/);
  });
});
