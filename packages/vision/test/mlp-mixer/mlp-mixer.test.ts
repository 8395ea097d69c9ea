// MLP-Mixer: the whole forward pass against a float64 reference; presets, errors, serialisation,
// learning, tensor memory.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createModel, MlpMixer } from '../../src/index';
import { expectClose, gelu, type M, transpose, weightsOf } from '../helpers/float64-ops';
import { patches64 } from '../helpers/patches64';
import { expectPresetShapes, imageBatch, presetLearningTests, randomizeWeights } from '../helpers/model-checks';
import { useBackend } from '../helpers/backend';

useBackend('wasm', 6);

describe('MLP-Mixer forward pass', () => {
  it('equals a float64 reference: stem, token-mixing MLP across patches, channel MLP, LN, mean, head', () => {
    const [S, P, C, DIM, DS, DC, K] = [8, 4, 2, 6, 5, 7, 3];
    const model = new MlpMixer({ classes: K, patchSize: P, dim: DIM, depth: 2, tokenMlpDim: DS, channelMlpDim: DC, name: 'mixer' });
    const { x } = imageBatch(2, S, C, K, 1);
    (model.apply(x) as tf.Tensor).dispose();
    randomizeWeights(model, 200, 0.5);
    const { lin, ln: lnEps } = weightsOf(model, /^mixer\//);
    const ln = (v: M, n: string): M => lnEps(v, n, 1e-6);
    const mlp = (v: M, n: string): M =>
      lin(
        lin(v, `${n}/fc1`).map((r) => r.map(gelu)),
        `${n}/fc2`,
      );
    const pixels = x.dataSync();
    const expected: number[] = [];
    for (let b = 0; b < 2; b++) {
      let h = lin(patches64(pixels.slice(b * S * S * C, (b + 1) * S * S * C), S, S, C, P), 'stem/proj');
      for (let l = 0; l < 2; l++) {
        const tok = transpose(mlp(transpose(ln(h, `layer${l}_norm1`)), `layer${l}_token_mlp`));
        h = h.map((r, i) => r.map((v, j) => v + ((tok[i] as number[])[j] as number)));
        const ch = mlp(ln(h, `layer${l}_norm2`), `layer${l}_channel_mlp`);
        h = h.map((r, i) => r.map((v, j) => v + ((ch[i] as number[])[j] as number)));
      }
      const normed = ln(h, 'final_norm');
      const pooled = (normed[0] as number[]).map((_, j) => normed.reduce((a, r) => a + (r[j] as number), 0) / normed.length);
      expected.push(...(lin([pooled], 'head')[0] as number[]));
    }
    expectClose((model.apply(x) as tf.Tensor).dataSync(), expected, { abs: 2e-5, rel: 2e-4 }, 'logits');
  });

  it('starts with a zero head (all logits 0), as the paper initialises it', () => {
    const m = createModel('mlp-mixer-tiny');
    const y = m.apply(imageBatch(2, 16, 3, 10, 2).x) as tf.Tensor;
    expect(Array.from(y.dataSync()).every((v) => v === 0)).toBe(true);
    m.dispose();
  });
});

describe('MLP-Mixer presets and errors', () => {
  it("every preset gives logits [batch, classes]; Mixer-S/16 and B/16 have the paper's 18.5 M and 59.9 M parameters", () => {
    const counts = expectPresetShapes('mlp-mixer');
    // Stem 16*16*3*C + C; per layer 2 LNs (4C) + token MLP (196 Ds + Ds + Ds 196 + 196) + channel MLP (C Dc + Dc + Dc C + C);
    // final LN 2C; head 1000 C + 1000.
    const mixer = (c: number, depth: number, ds: number, dc: number): number =>
      768 * c + c + depth * (4 * c + 2 * 196 * ds + ds + 196 + 2 * c * dc + dc + c) + 2 * c + 1000 * c + 1000;
    expect(counts['mlp-mixer-s16']).toBe(mixer(512, 8, 256, 2048));
    expect(counts['mlp-mixer-b16']).toBe(mixer(768, 12, 384, 3072));
    expect(Math.round((counts['mlp-mixer-s16'] as number) / 1e5) / 10).toBe(18.5);
    expect(Math.round((counts['mlp-mixer-b16'] as number) / 1e5) / 10).toBe(59.9);
  });

  it('says when the images do not fit the token-mixing MLPs', () => {
    const m = createModel('mlp-mixer-tiny', { imageSize: null });
    (m.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
    expect(() => m.apply(tf.zeros([1, 32, 32, 3]))).toThrow(/built for 16 tokens \(the token-mixing MLP fixes the number\)/);
    expect(() => m.apply(tf.zeros([1, 16, 18, 3]))).toThrow(/16x18 is not divisible by the patch size 4/);
    expect(() => createModel('mlp-mixer-tiny').apply(tf.zeros([1, 8, 8, 3]))).toThrow(/configured for 16x16 images.* but got 8x8/);
  });
});

describe('MLP-Mixer serialisation, learning and memory', () => {
  presetLearningTests('mlp-mixer-tiny', { roundTrip: { data: 3, weights: 300 }, overfit: { globalSeed: 25, data: 4 }, leak: 5 });
});
