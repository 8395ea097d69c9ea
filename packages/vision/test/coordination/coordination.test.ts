// Coordination (shared global workspace): the top-k write, one workspace step against a float64
// reference, parameter sharing, maps, presets, errors, serialisation, learning, tensor memory.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, SeededRandom } from '@ait/core';
import { createModel, SharedWorkspace, workspaceWriteWeights } from '../../src/index';
import { affine, cube, expectClose, layerNormVec, type M, randn, rows, sigmoid, softmaxVec, weightsOf } from '../helpers/float64-ops';
import { expectPresetShapes, imageBatch, presetLearningTests } from '../helpers/model-checks';
import { useBackend } from '../helpers/backend';

useBackend('wasm', 3);

/** Indices of the k largest entries of a row (the row has no ties). */
function topIndices(row: number[], k: number): Set<number> {
  return new Set(
    row
      .map((v, i) => [v, i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, k)
      .map(([, i]) => i),
  );
}

describe('the top-k write', () => {
  it("keeps each slot's softmax at exactly its k largest logits (not renormalised), or renormalises on request", () => {
    const rng = new SeededRandom(1);
    const [R, C, K] = [12, 10, 4];
    const logits = randn(rng, R * C, 2);
    const t = tf.tensor3d(logits, [3, 4, C]);
    const plain = workspaceWriteWeights(t, K);
    const renorm = workspaceWriteWeights(t, K, true);
    const w = plain.weights.dataSync();
    const wr = renorm.weights.dataSync();
    const g = plain.gate.dataSync();
    rows(logits, R, C).forEach((row, r) => {
      const keep = topIndices(row, K);
      const p = softmaxVec(row);
      const kept = softmaxVec([...keep].map((i) => row[i] as number));
      const keptByIndex = new Map([...keep].map((i, j) => [i, kept[j] as number]));
      for (let c = 0; c < C; c++) {
        const i = r * C + c;
        expect(g[i]).toBe(keep.has(c) ? 1 : 0);
        if (keep.has(c)) {
          expect(w[i] as number).toBeCloseTo(p[c] as number, 6);
          expect(wr[i] as number).toBeCloseTo(keptByIndex.get(c) as number, 6);
        } else {
          expect(w[i]).toBe(0);
          expect(wr[i]).toBe(0);
        }
      }
      expect(Array.from(w.slice(r * C, (r + 1) * C)).filter((v) => v !== 0)).toHaveLength(K);
    });
  });
});

describe('one shared-workspace step', () => {
  it('equals the float64 reference of the write, gated update and broadcast', () => {
    const [B, N, D, M, H, KD, K] = [2, 6, 8, 3, 2, 4, 3];
    const rng = new SeededRandom(2);
    const tokens = randn(rng, B * N * D);
    const memory = randn(rng, B * M * D);
    const layer = new SharedWorkspace({ slots: M, numHeads: H, keyDim: KD, topK: K, name: 'ws' });
    layer.apply([tf.tensor3d(tokens, [B, N, D]), tf.tensor3d(memory, [B, M, D])]);
    layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 70 + i)));
    const { vec, lin } = weightsOf(layer, /^.*?ws\//);
    const gateMemory = cube(vec('gate_memory'), M, D, 2 * D);
    const step = layer.step(tf.tensor3d(tokens, [B, N, D]), tf.tensor3d(memory, [B, M, D]));

    const expOut: number[] = [];
    const expMem: number[] = [];
    const expWrite: number[] = [];
    const tok64 = cube(tokens, B, N, D);
    const mem64 = cube(memory, B, M, D);
    const hd = D / H;
    for (let b = 0; b < B; b++) {
      const mem = mem64[b] as M;
      const u = lin(tok64[b] as M, 'input_proj');
      const q = lin(mem, 'query');
      const k = lin(u, 'key');
      const v = lin(u, 'value');
      const attended = mem.map(() => new Array<number>(D).fill(0));
      const write: number[][][] = [];
      for (let h = 0; h < H; h++) {
        write.push(
          q.map((qm, m) => {
            const logits = k.map((kn) =>
              Array.from({ length: KD }, (_, j) => (qm[h * KD + j] as number) * (kn[h * KD + j] as number)).reduce((a, x) => a + x, 0),
            );
            const keep = topIndices(logits, K);
            const p = softmaxVec(logits).map((x, n) => (keep.has(n) ? x : 0));
            for (let c = 0; c < hd; c++)
              (attended[m] as number[])[h * hd + c] = p.reduce((a, pn, n) => a + pn * ((v[n] as number[])[h * hd + c] as number), 0);
            return p;
          }),
        );
      }
      expWrite.push(...write.flat(2));
      const m1 = mem.map((r, i) =>
        layerNormVec(
          r.map((x, j) => x + ((attended[i] as number[])[j] as number)),
          vec('memory_norm1/gamma'),
          vec('memory_norm1/beta'),
          1e-5,
        ),
      );
      const mlp = lin(m1, 'memory_mlp').map((r) => r.map((x) => Math.max(0, x)));
      const m2 = m1.map((r, i) =>
        layerNormVec(
          r.map((x, j) => x + ((mlp[i] as number[])[j] as number)),
          vec('memory_norm2/gamma'),
          vec('memory_norm2/beta'),
          1e-5,
        ),
      );
      const scale = vec('gate_input_scale');
      const pooled = Array.from(
        { length: D },
        (_, j) => u.reduce((a, r) => a + Math.max(0, (r[j] as number) * (scale[j] as number)), 0) / N,
      );
      const gi = lin([pooled], 'gate_input')[0] as number[];
      const next = mem.map((r, m) => {
        const gmem = affine([r.map(Math.tanh)], gateMemory[m] as M)[0] as number[];
        return r.map((x, j) => {
          const ig = sigmoid((gi[j] as number) + (gmem[j] as number) + (vec('input_bias')[0] as number));
          const fg = sigmoid((gi[D + j] as number) + (gmem[D + j] as number) + (vec('forget_bias')[0] as number));
          return ig * Math.tanh((m2[m] as number[])[j] as number) + fg * x;
        });
      });
      expMem.push(...next.flat());
      const q2 = lin(u, 'query');
      const k2 = lin(next, 'key');
      const v2 = lin(next, 'value');
      const out = u.map(() => new Array<number>(D).fill(0));
      for (let h = 0; h < H; h++) {
        q2.forEach((qn, n) => {
          const a = softmaxVec(
            k2.map((km) =>
              Array.from({ length: KD }, (_, j) => (qn[h * KD + j] as number) * (km[h * KD + j] as number)).reduce((s, x) => s + x, 0),
            ),
          );
          for (let c = 0; c < hd; c++)
            (out[n] as number[])[h * hd + c] = a.reduce((s, am, m) => s + am * ((v2[m] as number[])[h * hd + c] as number), 0);
        });
      }
      expOut.push(...out.flat());
    }
    expect(step.write.shape).toEqual([B, H, M, N]);
    expectClose(step.write.dataSync(), expWrite, { abs: 1e-5, rel: 1e-4 }, 'write');
    expectClose(step.memory.dataSync(), expMem, { abs: 2e-5, rel: 2e-4 }, 'memory');
    expectClose(step.output.dataSync(), expOut, { abs: 2e-5, rel: 2e-4 }, 'broadcast');
  });
});

describe('Coordination model', () => {
  it('every preset gives logits [batch, classes]', () => {
    const counts = expectPresetShapes('coordination');
    expect(Object.keys(counts).sort()).toEqual(['coordination-mini', 'coordination-tiny', 'coordination-triangle']);
  });

  it('writes with exactly topK tokens per slot and head in every layer, and broadcasts with rows summing to 1', () => {
    const m = createModel('coordination-tiny', { recordMaps: true });
    (m.apply(imageBatch(3, 16, 3, 10, 1).x) as tf.Tensor).dispose();
    const maps = m.internalMaps();
    for (const l of [0, 1]) {
      const write = maps[`layer${l}/write`] as tf.Tensor;
      expect(write.shape).toEqual([3, 4, 4, 17]);
      const w = write.dataSync();
      for (let r = 0; r < w.length / 17; r++) {
        const row = Array.from(w.slice(r * 17, (r + 1) * 17));
        expect(row.filter((x) => x !== 0)).toHaveLength(4);
        const sum = row.reduce((a, x) => a + x, 0);
        expect(sum).toBeGreaterThan(0);
        expect(sum).toBeLessThanOrEqual(1 + 1e-6);
      }
      const bc = tf.sum(maps[`layer${l}/broadcast`] as tf.Tensor, -1).dataSync();
      expectClose(bc, new Array(bc.length).fill(1), { abs: 1e-5 }, 'broadcast rows');
      expect(maps[`layer${l}/memory`]?.shape).toEqual([3, 4, 96]);
      expect(maps[`layer${l}/input_gate`]?.shape).toEqual([3, 4, 96]);
    }
    m.dispose();
  });

  it('shares one set of layer weights across layers by default (parameter count does not grow with depth)', () => {
    const count = (layers: number, sharedParameters: boolean): number => {
      const m = createModel('coordination-tiny', { layers, sharedParameters });
      (m.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
      const n = m.countParams();
      m.dispose();
      return n;
    };
    const shared = count(2, true);
    expect(count(5, true)).toBe(shared);
    const one = count(1, false);
    expect(one).toBe(shared);
    expect(count(3, false) - one).toBe(2 * (count(2, false) - one));
    const memoryGates = createModel('coordination-tiny', { gateStyle: 'memory' });
    (memoryGates.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
    // Per-slot gates: gate_input D x 2 + 2 and gate_memory M x D x 2 instead of D x 2D + 2D and M x D x 2D.
    expect(shared - memoryGates.countParams()).toBe(96 * 192 + 192 - (96 * 2 + 2) + 4 * 96 * 192 - 4 * 96 * 2);
  });

  it('reports configs and inputs that do not fit', () => {
    expect(() => createModel('coordination-tiny', { heads: 5 })).toThrow(ConfigError);
    expect(() => createModel('coordination-tiny', { heads: 5 })).toThrow(/heads: dim 96 must be divisible by heads 5/);
    expect(() => createModel('coordination-tiny', { pool: 'max' })).toThrow(/pool/);
    const m = createModel('coordination-tiny');
    expect(() => m.apply(tf.zeros([1, 32, 32, 3]))).toThrow(/configured for 16x16 images.* but got 32x32/);
    const any = createModel('coordination-tiny', { imageSize: null, channels: null });
    expect(() => any.apply(tf.zeros([1, 18, 18, 3]))).toThrow(/not divisible by the patch size 4/);
    (any.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
    expect(() => any.apply(tf.zeros([1, 32, 32, 3]))).toThrow(/built for 17 tokens/);
  });

  presetLearningTests('coordination-tiny', {
    roundTrip: { data: 2, weights: 80, scale: 0.2 },
    overfit: { globalSeed: 23, data: 3 },
    leak: 4,
  });
});
