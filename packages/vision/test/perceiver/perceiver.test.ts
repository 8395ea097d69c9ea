// Perceiver: Fourier features and the cross-attend block against float64 references, weight
// sharing, maps, presets, errors, serialisation, learning, tensor memory.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError, SeededRandom } from '@ait/core';
import { createModel, fourierPositionFeatures, PerceiverCrossAttention } from '../../src/index';
import { cube, expectClose, gelu, type M, randn, softmaxVec, weightsOf } from '../helpers/float64-ops';
import { expectPresetShapes, imageBatch, presetLearningTests } from '../helpers/model-checks';
import { useBackend } from '../helpers/backend';

useBackend('wasm', 4);

describe('Fourier position features', () => {
  it('are [y, x, sin(pi f y)..., sin(pi f x)..., cos(pi f y)..., cos(pi f x)...] on a [-1, 1] grid', () => {
    const [gh, gw, bands, maxF] = [3, 5, 4, 6];
    const got = fourierPositionFeatures(gh, gw, bands, maxF);
    expect(got.shape).toEqual([15, 2 + 4 * bands]);
    const freqs = [1, 5 / 3, 7 / 3, 3]; // linspace(1, maxF / 2, 4)
    const expected: number[] = [];
    for (let r = 0; r < gh; r++) {
      for (let c = 0; c < gw; c++) {
        const y = -1 + r; // linspace(-1, 1, 3)
        const x = -1 + c / 2; // linspace(-1, 1, 5)
        expected.push(y, x, ...freqs.map((f) => Math.sin(Math.PI * f * y)), ...freqs.map((f) => Math.sin(Math.PI * f * x)));
        expected.push(...freqs.map((f) => Math.cos(Math.PI * f * y)), ...freqs.map((f) => Math.cos(Math.PI * f * x)));
      }
    }
    expectClose(got.dataSync(), expected, { abs: 1e-6 }, 'features');
  });
});

describe('the cross-attend block', () => {
  // attentionDim null: projections as wide as the latents; 6: as wide as the inputs (the authors' 'kv')
  it.for([null, 6])('equals z + Attn(LN(z), LN(inputs)), then + MLP(LN(.)), in float64 (attentionDim %s)', (attentionDim) => {
    const [B, L, DL, N, DI, F] = [2, 3, 8, 5, 6, 12];
    const A = attentionDim ?? DL;
    const rng = new SeededRandom(5);
    const z = randn(rng, B * L * DL);
    const inp = randn(rng, B * N * DI);
    const block = new PerceiverCrossAttention({ numHeads: 1, attentionDim, mlpDim: F, name: 'cross' });
    block.apply([tf.tensor3d(z, [B, L, DL]), tf.tensor3d(inp, [B, N, DI])]);
    block.setWeights(block.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.4, 'float32', 90 + i)));
    const { lin, ln: lnEps } = weightsOf(block, /^.*?cross\//);
    const ln = (x: M, n: string): M => lnEps(x, n, 1e-5);
    const expected = cube(z, B, L, DL).flatMap((zb, b) => {
      const q = lin(ln(zb, 'latent_norm'), 'attention/query');
      const kv = lin(ln(cube(inp, B, N, DI)[b] as M, 'input_norm'), 'attention/key_value');
      const att = q.map((qr) => {
        expect(qr).toHaveLength(A);
        const a = softmaxVec(kv.map((r) => qr.reduce((s, x, j) => s + x * (r[j] as number), 0) / Math.sqrt(A)));
        return Array.from({ length: A }, (_, c) => a.reduce((s, an, n) => s + an * ((kv[n] as number[])[A + c] as number), 0));
      });
      const o = lin(att, 'attention/output');
      const h = zb.map((r, i) => r.map((x, j) => x + ((o[i] as number[])[j] as number)));
      const m = lin(
        lin(ln(h, 'mlp_norm'), 'mlp/fc1').map((r) => r.map(gelu)),
        'mlp/fc2',
      );
      return h.map((r, i) => r.map((x, j) => x + ((m[i] as number[])[j] as number))).flat();
    });
    const r = block.attend(tf.tensor3d(z, [B, L, DL]), tf.tensor3d(inp, [B, N, DI]));
    expect(r.attention.shape).toEqual([B, 1, L, N]);
    expect(r.latents.shape).toEqual([B, L, DL]);
    expectClose(r.latents.dataSync(), expected, { abs: 2e-5, rel: 2e-4 }, 'cross-attend');
  });

  it('refuses an attentionDim the heads do not divide', () => {
    expect(() => new PerceiverCrossAttention({ numHeads: 4, attentionDim: 6, mlpDim: 8 })).toThrow(
      /attentionDim: attentionDim 6 must be divisible by numHeads 4/,
    );
  });
});

describe('Perceiver model', () => {
  it('every preset gives logits [batch, classes]', () => {
    const counts = expectPresetShapes('perceiver');
    expect(Object.keys(counts).sort()).toEqual(['perceiver-imagenet', 'perceiver-mini', 'perceiver-tiny']);
  });

  it('shares the cross-attends after the first and the latent transformer across repeats', () => {
    const count = (repeats: number, weightSharing: boolean): number => {
      const m = createModel('perceiver-tiny', { repeats, weightSharing });
      (m.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
      const n = m.countParams();
      m.dispose();
      return n;
    };
    const [s1, s2, s5] = [count(1, true), count(2, true), count(5, true)];
    expect(s5).toBe(s2);
    expect(s2).toBeGreaterThan(s1); // the second cross-attend has its own weights
    const [u1, u2, u3] = [count(1, false), count(2, false), count(3, false)];
    expect(u1).toBe(s1);
    expect(u3 - u2).toBe(u2 - u1);
  });

  it("crossAttentionWidth 'input' projects the cross-attention to the input array's width", () => {
    // perceiver-tiny: 2 x 2 patches of RGB and 6 Fourier bands, 4 * 3 + 2 + 4 * 6 = 38 wide
    const m = createModel('perceiver-tiny', { crossAttentionWidth: 'input' });
    (m.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
    const shapes = Object.fromEntries(m.weights.map((w) => [w.originalName.replace(/^.*?(cross\d)/, '$1'), w.shape]));
    expect(shapes['cross0/attention/query/kernel']).toEqual([96, 38]);
    expect(shapes['cross0/attention/key_value/kernel']).toEqual([38, 76]);
    expect(shapes['cross0/attention/output/kernel']).toEqual([38, 96]);
    expect(shapes['cross1/attention/output/kernel']).toEqual([38, 96]);
    const latent = createModel('perceiver-tiny');
    (latent.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
    // per cross-attend: query, key-value and output with biases, 96 -> 38 instead of 96 -> 96
    const perBlock = (w: number): number => 96 * w + w + (38 * 2 * w + 2 * w) + (w * 96 + 96);
    expect(latent.countParams() - m.countParams()).toBe(2 * (perBlock(96) - perBlock(38)));
    expect(m.getConfig()).toMatchObject({ crossAttentionWidth: 'input' });
    m.dispose();
    latent.dispose();
  });

  it('records cross- and latent attention maps whose rows sum to 1', () => {
    const m = createModel('perceiver-tiny', { recordMaps: true });
    (m.apply(imageBatch(2, 16, 3, 10, 1).x) as tf.Tensor).dispose();
    const maps = m.internalMaps();
    const cross = maps['repeat1/cross_attention'] as tf.Tensor;
    expect(cross.shape).toEqual([2, 1, 16, 64]);
    expectClose(tf.sum(cross, -1).dataSync(), new Array(32).fill(1), { abs: 1e-5 }, 'cross rows');
    expect(maps['repeat1/latent1/attention']?.shape).toEqual([2, 4, 16, 16]);
    m.dispose();
  });

  it('reports configs and inputs that do not fit', () => {
    expect(() => createModel('perceiver-tiny', { latentHeads: 5 })).toThrow(ConfigError);
    expect(() => createModel('perceiver-tiny', { latentHeads: 5 })).toThrow(/latentHeads: latentDim 96 must be divisible by latentHeads 5/);
    expect(() => createModel('perceiver-tiny', { crossAttentionWidth: 'input', crossHeads: 4 })).toThrow(
      /crossHeads: the input array's width 38 \(crossAttentionWidth 'input'\) must be divisible by crossHeads 4/,
    );
    expect(() => createModel('perceiver-tiny', { crossAttentionWidth: 'input', channels: null })).toThrow(
      /channels: crossAttentionWidth 'input' needs channels/,
    );
    const any = createModel('perceiver-tiny', { imageSize: null });
    expect(() => any.apply(tf.zeros([1, 15, 16, 3]))).toThrow(/not divisible by the patch size 2/);
    (any.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
    expect(() => any.apply(tf.zeros([1, 8, 8, 3]))).toThrow(/built for 64 tokens \(the Fourier feature table fixes the number\)/);
  });

  presetLearningTests('perceiver-tiny', {
    roundTrip: { data: 2, weights: 120, scale: 0.2 },
    overfit: { globalSeed: 24, data: 3, maxSteps: 80 },
    leak: 4,
  });
});
