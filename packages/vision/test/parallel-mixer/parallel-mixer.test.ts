// Parallelized MLP-Mixer (Karakida, Ota, Taki) on @ait/hopfield's ParallelMixerBlock: the whole
// forward pass of every variant against a float64 reference, the couplings' symmetry, the L2
// penalty as an auxiliary loss, parameter counts, presets, errors, serialisation, learning, memory.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, parameterRefs } from '@ait/core';
import { createModel, ParallelMlpMixer, type ParallelMlpMixerConfig } from '../../src/index';
import { affine, expectClose, gelu, layerNormVec, type M, weightsOf } from '../helpers/float64-ops';
import { patches64 } from '../helpers/patches64';
import { expectPresetShapes, imageBatch, presetLearningTests, randomizeWeights } from '../helpers/model-checks';
import { useBackend } from '../helpers/backend';
import { crossEntropyStep } from '../helpers/train-step';

useBackend('wasm', 7);

type Variant = ParallelMlpMixerConfig['variant'];
const VARIANTS: Variant[] = ['symmetric', 'symmetryBreaking', 'free'];

/** `sum_j a[i][j] b[j][k]` with b given as [k][j] (i.e. a b^T). */
function timesT(a: M, b: M): M {
  return a.map((r) => b.map((br) => r.reduce((s, v, j) => s + v * (br[j] as number), 0)));
}

describe('forward pass', () => {
  const CASES = VARIANTS.flatMap((variant) =>
    [false, true].flatMap((useBias) => (['scalar', 'perEntry'] as const).map((normGain) => ({ variant, useBias, normGain }))),
  );
  for (const { variant, useBias, normGain } of CASES) {
    it(`${variant}${useBias ? ' with biases' : ''}, ${normGain} layer-norm gain: 2 tied steps x += alpha (MLP_tok(g^T)^T + MLP_ch(g)) per block, as in float64`, () => {
      const [S, P, C, D, MT, MC, K, ALPHA] = [8, 4, 2, 6, 3, 5, 3, 0.7];
      const model = new ParallelMlpMixer({
        classes: K,
        patchSize: P,
        dim: D,
        depth: 2,
        tokenMlpDim: MT,
        channelMlpDim: MC,
        variant,
        useBias,
        nIter: 2,
        stepSize: ALPHA,
        normGain,
        name: 'pm',
      });
      const { x } = imageBatch(2, S, C, K, 1);
      (model.apply(x) as tf.Tensor).dispose();
      randomizeWeights(model, 500, 0.5);
      const { mat, vec, has } = weightsOf(model, /^pm\//);
      const pixels = x.dataSync();
      const expected: number[] = [];
      for (let b = 0; b < 2; b++) {
        let h = affine(
          patches64(pixels.slice(b * S * S * C, (b + 1) * S * S * C), S, S, C, P),
          mat('stem/proj/kernel'),
          vec('stem/proj/bias'),
        );
        for (let l = 0; l < 2; l++) {
          const p = (n: string): string => `block${l}/${n}`;
          for (let step = 0; step < 2; step++) {
            const all = h.flat();
            const mean = all.reduce((a, v) => a + v, 0) / all.length;
            const sd = Math.sqrt(all.reduce((a, v) => a + (v - mean) ** 2, 0) / all.length + 1e-6);
            // One gain for the matrix, or one per entry (PyTorch's nn.LayerNorm((N, D))).
            const gains = vec(p('norm_gamma'));
            expect(gains).toHaveLength(normGain === 'scalar' ? 1 : h.length * D);
            const gamma = (i: number, j: number): number => (normGain === 'scalar' ? gains[0] : gains[i * D + j]) as number;
            const delta = mat(p('norm_delta'));
            const g = h.map((r, i) => r.map((v, j) => (gamma(i, j) * (v - mean)) / sd + ((delta[i] as number[])[j] as number)));
            // Token MLP on g^T [D, N]: hidden [D, MT] = gelu(g^T W_tok^T + b); output [D, N].
            const gT = (g[0] as number[]).map((_, j) => g.map((r) => r[j] as number));
            const wTok = mat(p('token_weights'));
            const hTok = timesT(gT, wTok).map((r) => r.map((v, j) => gelu(v + (useBias ? (vec(p('token_hidden_bias'))[j] as number) : 0))));
            let outTokT: M;
            if (variant === 'free') outTokT = timesT(hTok, mat(p('token_out')));
            else {
              outTokT = hTok.map((r) =>
                (wTok[0] as number[]).map((_, n) => r.reduce((s, v, j) => s + v * ((wTok[j] as number[])[n] as number), 0)),
              );
              if (variant === 'symmetryBreaking') {
                const extra = timesT(hTok, mat(p('token_extra')));
                outTokT = outTokT.map((r, i) => r.map((v, n) => v + ((extra[i] as number[])[n] as number)));
              }
            }
            const wCh = mat(p('channel_weights'));
            const hCh = timesT(g, wCh).map((r) => r.map((v, j) => gelu(v + (useBias ? (vec(p('channel_hidden_bias'))[j] as number) : 0))));
            let outCh: M;
            if (variant === 'free') outCh = timesT(hCh, mat(p('channel_out')));
            else {
              outCh = hCh.map((r) =>
                (wCh[0] as number[]).map((_, c) => r.reduce((s, v, j) => s + v * ((wCh[j] as number[])[c] as number), 0)),
              );
              if (variant === 'symmetryBreaking') {
                const extra = timesT(hCh, mat(p('channel_extra')));
                outCh = outCh.map((r, i) => r.map((v, c) => v + ((extra[i] as number[])[c] as number)));
              }
            }
            const bTok = useBias ? vec(p('token_output_bias')) : null;
            const bCh = useBias ? vec(p('channel_output_bias')) : null;
            h = h.map((r, n) =>
              r.map((v, c) => {
                const upd =
                  ((outTokT[c] as number[])[n] as number) +
                  ((outCh[n] as number[])[c] as number) +
                  (bTok ? (bTok[n] as number) : 0) +
                  (bCh ? (bCh[c] as number) : 0);
                return v + ALPHA * upd;
              }),
            );
          }
        }
        const normed = h.map((r) => layerNormVec(r, vec('final_norm/gamma'), vec('final_norm/beta'), 1e-6));
        const pooled = (normed[0] as number[]).map((_, j) => normed.reduce((a, r) => a + (r[j] as number), 0) / normed.length);
        expected.push(...(affine([pooled], mat('head/kernel'), vec('head/bias'))[0] as number[]));
      }
      expect(has('block0/token_extra')).toBe(variant === 'symmetryBreaking');
      expect(has('block0/token_out')).toBe(variant === 'free');
      expectClose((model.apply(x) as tf.Tensor).dataSync(), expected, { abs: 5e-5, rel: 5e-4 }, variant);
      model.dispose();
    });
  }
});

describe('symmetry breaking', () => {
  it('reports lambda * sum ||W2||^2 as auxiliary losses; the gradient 2 lambda W2 reaches only the W2 maps', async () => {
    const lambda = 0.5;
    const m = createModel('parallel-mixer-breaking-tiny', { symmetryPenalty: lambda }) as ParallelMlpMixer;
    const { x, y } = imageBatch(4, 16, 3, 10, 1);
    (m.apply(x) as tf.Tensor).dispose();
    randomizeWeights(m, 600, 0.1);
    const w2 = m.weights.filter((w) => /_extra$/.test(w.originalName));
    expect(w2).toHaveLength(2 * 4);
    const expected = lambda * w2.reduce((a, w) => a + Array.from(w.read().dataSync()).reduce((s, v) => s + v * v, 0), 0);
    const params = parameterRefs(m);
    const { grads, value } = tf.variableGrads(
      () => m.symmetryPenaltyLoss(),
      params.map((p) => p.variable),
    );
    expectClose(value.dataSync(), [expected], { abs: 0, rel: 1e-5 }, 'penalty');
    const withGrad = params.filter((p) => grads[p.variable.name] !== undefined);
    expect(withGrad.map((p) => p.name).sort()).toEqual(w2.map((w) => w.originalName).sort());
    for (const p of withGrad) {
      expectClose(
        (grads[p.variable.name] as tf.Tensor).dataSync(),
        Array.from(p.variable.dataSync()).map((v) => 2 * lambda * v),
        { abs: 1e-6 },
        p.name,
      );
    }
    const step = (model: ParallelMlpMixer | ReturnType<typeof createModel>) =>
      crossEntropyStep(model, new AdamW({ learningRate: 1e-4 }), { x, y });
    expectClose([(await step(m)).auxLoss], [expected], { abs: 0, rel: 1e-3 }, 'auxLoss');
    m.setSymmetryPenalty(0);
    expect(m.getConfig().symmetryPenalty).toBe(0);
    expect((await step(m)).auxLoss).toBe(0);
    for (const name of ['parallel-mixer-symmetric-tiny', 'parallel-mixer-free-tiny']) {
      const other = createModel(name, { symmetryPenalty: lambda });
      (other.apply(x) as tf.Tensor).dispose();
      expect((await step(other)).auxLoss).toBe(0);
      other.dispose();
    }
    m.dispose();
  });

  it('records token / channel couplings (symmetric exactly for the symmetric variant) and the symmetric energy', () => {
    for (const [name, symmetric] of [
      ['parallel-mixer-symmetric-tiny', true],
      ['parallel-mixer-free-tiny', false],
      ['parallel-mixer-breaking-tiny', false],
    ] as const) {
      const m = createModel(name, { recordMaps: true });
      (m.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
      randomizeWeights(m, 700, 0.2);
      (m.apply(tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 3)) as tf.Tensor).dispose();
      const maps = m.internalMaps();
      const t = maps['block3/token_coupling'] as tf.Tensor;
      expect(t.shape).toEqual([16, 16]);
      expect(maps['block0/channel_coupling']?.shape).toEqual([96, 96]);
      const diff = tf.max(tf.abs(tf.sub(t, tf.transpose(t)))).dataSync()[0] as number;
      if (symmetric) {
        expect(diff).toBeLessThan(1e-4);
        expect(maps['block2/energy']?.shape).toEqual([2]);
      } else {
        expect(diff).toBeGreaterThan(1e-3);
        expect(maps['block2/energy']).toBeUndefined();
      }
      m.dispose();
    }
  });
});

describe('parallel MLP-Mixer presets and errors', () => {
  it('every preset gives logits [batch, classes]; the free maps add exactly depth (N Ht + D Hc) parameters', () => {
    const counts = expectPresetShapes('parallel-mlp-mixer');
    expect(Object.keys(counts)).toHaveLength(9);
    expect((counts['parallel-mixer-free-s16'] as number) - (counts['parallel-mixer-symmetric-s16'] as number)).toBe(
      8 * (196 * 256 + 512 * 2048),
    );
    expect(counts['parallel-mixer-breaking-s16']).toBe(counts['parallel-mixer-free-s16']);
  });

  it('says when the images or the config do not fit', () => {
    const m = createModel('parallel-mixer-free-tiny', { imageSize: null });
    (m.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
    expect(() => m.apply(tf.zeros([1, 8, 8, 3]))).toThrow(/built for 16 tokens/);
    expect(() => m.apply(tf.zeros([1, 16, 16, 3, 1]))).toThrow(/rank 4/);
    expect(() => createModel('parallel-mixer-free-tiny', { variant: 'skew' })).toThrow(/variant/);
    expect(() => createModel('parallel-mixer-free-tiny', { nIter: 0 })).toThrow(/nIter/);
  });
});

describe('parallel MLP-Mixer serialisation, learning and memory', () => {
  for (const short of ['symmetric', 'breaking', 'free']) {
    presetLearningTests(`parallel-mixer-${short}-tiny`, {
      overfit: { globalSeed: 26, data: 3 },
      // symmetry breaking with two tied steps: the penalty's weights and the extra step round-trip and leak nothing
      ...(short === 'breaking'
        ? { roundTrip: { data: 2, weights: 800, scale: 0.2, overrides: { nIter: 2, symmetryPenalty: 0.3 } }, leak: 4 }
        : {}),
    });
  }
});
