// The parallelized MLP-Mixer's two layer-norm gain modes: 'scalar' (default, one gain per block, the
// paper's layer-norm energy) and 'perEntry' (a [N, dim] gain per block, the authors' code's
// nn.LayerNorm((N, dim)) in Toshihiro-Ota/paramixer). Parameter counts of the S/16 presets derived
// from the weight shapes, the counts the preset descriptions state, serialisation, the default that
// keeps saved models valid, and gradients reaching every entry of the gain. The forward pass of
// both modes against float64 is in parallel-mixer.test.ts; the block's own float64 and
// finite-difference checks are in @ait/hopfield's test/ham/parallel-mixer-norm-gain.test.ts.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { input } from '@tensorflow/tfjs-layers';
import { createForwardContext, crossEntropy, releaseAuxLosses, runWithForwardContext, sumAuxLosses } from '@ait/core';
import { createModel, listModels, type ParallelMlpMixer, type ParallelMlpMixerConfig } from '../../src/index';
import { PARALLEL_MIXER_S16_PARAMETERS } from '../../src/models/parallel-mixer/presets';
import { expectConfigRoundTrip, expectRoundTrip } from '../helpers/round-trip';
import { imageBatch, randomizeWeights } from '../helpers/model-checks';
import { useBackend } from '../helpers/backend';

useBackend('cpu', 12);

const SHORT = ['symmetric', 'breaking', 'free'] as const;

/** Sizes of a model's `norm_gamma` weights. */
function gainSizes(m: ParallelMlpMixer): number[] {
  return m.weights.filter((w) => w.originalName.endsWith('/norm_gamma')).map((w) => w.shape.reduce((a: number, d) => a * (d as number), 1));
}

/**
 * Parameters of the authors' S/16 models, counted from the shapes their code creates
 * (Toshihiro-Ota/paramixer, models/mixers.py MlpMixer and models/layers.py pMixerBlock, sMlp, vMlp,
 * aMlp, all without MLP biases): timm's PatchEmbed (a conv with bias), per block one
 * nn.LayerNorm((N, C)) (weight and bias [N, C]) and the token and channel MLPs, the final
 * nn.LayerNorm(C) and the linear head. paramixer_s16_224 uses vMlp, symmixer_s16_224 sMlp (one
 * matrix, used as W and W^T), asymmixer_s16_224_l* aMlp (fc1 and fc2).
 */
function authorsCount(
  mlp: 'sMlp' | 'vMlp' | 'aMlp',
  c: {
    imageSize: number;
    patchSize: number;
    channels: number;
    dim: number;
    depth: number;
    tokenMlpDim: number;
    channelMlpDim: number;
    classes: number;
  },
): number {
  const tokens = (c.imageSize / c.patchSize) ** 2;
  const matrices = mlp === 'sMlp' ? 1 : 2;
  const stem = c.patchSize * c.patchSize * c.channels * c.dim + c.dim;
  const block = 2 * tokens * c.dim + matrices * (tokens * c.tokenMlpDim + c.dim * c.channelMlpDim);
  return stem + c.depth * block + 2 * c.dim + c.dim * c.classes + c.classes;
}

describe('S/16 parameter counts of both layer-norm gain modes', () => {
  it("differ by depth * (N * dim - 1) = 802,808, derived from the weight shapes; 'perEntry' has the authors' code's count; the descriptions state both", () => {
    for (const short of SHORT) {
      const name = `parallel-mixer-${short}-s16`;
      const counts: Record<string, number> = {};
      let config: ParallelMlpMixerConfig | undefined;
      for (const normGain of ['scalar', 'perEntry'] as const) {
        const m = createModel(name, { normGain }) as ParallelMlpMixer;
        config = m.config;
        m.apply(input({ shape: [config.imageSize as number, config.imageSize as number, config.channels] }));
        const tokens = ((config.imageSize as number) / config.patchSize) ** 2;
        // One norm_gamma per block: [1] or [N, dim].
        expect(gainSizes(m), `${name} ${normGain}`).toEqual(new Array(config.depth).fill(normGain === 'scalar' ? 1 : tokens * config.dim));
        counts[normGain] = m.countParams();
        m.dispose();
      }
      const c = config as ParallelMlpMixerConfig;
      const tokens = ((c.imageSize as number) / c.patchSize) ** 2;
      const derived = c.depth * (tokens * c.dim - 1);
      expect([tokens, c.dim, c.depth]).toEqual([196, 512, 8]);
      expect((counts.perEntry as number) - (counts.scalar as number)).toBe(derived);
      expect(derived).toBe(802_808);
      expect(counts).toEqual(PARALLEL_MIXER_S16_PARAMETERS[short]);
      // The per-entry mode has exactly the parameters of the authors' code.
      const mlp = ({ symmetric: 'sMlp', breaking: 'aMlp', free: 'vMlp' } as const)[short];
      expect(counts.perEntry).toBe(authorsCount(mlp, c as Parameters<typeof authorsCount>[1]));
      const description = listModels({ family: 'parallel-mlp-mixer' }).find((i) => i.name === name)?.description ?? '';
      expect(description).toContain(`${(counts.scalar as number).toLocaleString('en-US')} parameters with one layer-norm gain per block`);
      expect(description).toContain(`${(counts.perEntry as number).toLocaleString('en-US')} with normGain 'perEntry'`);
    }
  });
});

describe("normGain 'perEntry' in the model", () => {
  it("the default stays 'scalar' (saved models and checkpoints keep their [1] gains); a bad mode is a config error", () => {
    const m = createModel('parallel-mixer-symmetric-tiny') as ParallelMlpMixer;
    expect(m.config.normGain).toBe('scalar');
    (m.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
    expect(gainSizes(m)).toEqual([1, 1, 1, 1]);
    m.dispose();
    expect(() => createModel('parallel-mixer-symmetric-tiny', { normGain: 'matrix' })).toThrow(/normGain/);
  });

  it('round-trips through save / load and getConfig / fromConfig', async () => {
    const m = createModel('parallel-mixer-free-tiny', { normGain: 'perEntry', nIter: 2 }) as ParallelMlpMixer;
    const { x } = imageBatch(2, 16, 3, 10, 2);
    (m.apply(x) as tf.Tensor).dispose();
    const loaded = await expectRoundTrip(m, [[16, 16, 3]], [x], { seed: 810, stddev: 0.2 });
    expect(loaded.weights.filter((w) => w.originalName.endsWith('/norm_gamma')).map((w) => w.shape)).toEqual(new Array(4).fill([16, 96]));
    expectConfigRoundTrip(m);
    expect(m.getConfig().normGain).toBe('perEntry');
    loaded.dispose();
    m.dispose();
  });

  it('the symmetric variant records couplings but no energy map (a gain per entry has no energy)', () => {
    const m = createModel('parallel-mixer-symmetric-tiny', { normGain: 'perEntry', recordMaps: true });
    (m.apply(tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 3)) as tf.Tensor).dispose();
    const maps = m.internalMaps();
    expect(maps['block0/token_coupling']?.shape).toEqual([16, 16]);
    expect(maps['block0/energy']).toBeUndefined();
    m.dispose();
  });

  it('every entry of every [N, dim] gain gets a gradient of the training loss', () => {
    const m = createModel('parallel-mixer-breaking-tiny', { normGain: 'perEntry' }) as ParallelMlpMixer;
    const { x, y } = imageBatch(4, 16, 3, 10, 5);
    (m.apply(x) as tf.Tensor).dispose();
    randomizeWeights(m, 820, 0.2);
    const gains = m.trainableWeights.filter((w) => w.originalName.endsWith('/norm_gamma'));
    const ctx = createForwardContext(true);
    const { value, grads } = tf.variableGrads(
      () => runWithForwardContext(ctx, () => tf.add(crossEntropy(m.apply(x) as tf.Tensor, y), sumAuxLosses(ctx)) as tf.Scalar),
      gains.map((w) => w.read() as tf.Variable),
    );
    releaseAuxLosses(ctx);
    for (const w of gains) {
      const g = grads[(w.read() as tf.Variable).name] as tf.Tensor;
      expect(g.shape).toEqual([16, 96]);
      expect(
        Array.from(g.dataSync()).every((v) => v !== 0 && Number.isFinite(v)),
        w.originalName,
      ).toBe(true);
    }
    tf.dispose([value, ...Object.values(grads), x, y]);
    m.dispose();
  });
});
