// ParallelMixerBlock with a layer-norm gain per entry (normGain 'perEntry'), the authors' code's
// nn.LayerNorm((N, C)) (Toshihiro-Ota/paramixer, models/layers.py, pMixerBlock): the block against a
// float64 computation of that layer norm and of the two MLPs written out with loops, gradients of
// every weight and of the input against float64 central differences, serialisation, the scalar
// default unchanged, and the energy refused (a gain per entry is not the gradient of a Lagrangian).
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, sequential } from '@tensorflow/tfjs-layers';
import { initBackend, SeededRandom, setGlobalSeed } from '@ait/core';
import {
  hasPerEntryNormGain,
  ParallelMixerBlock,
  parallelMixerActivation,
  parallelMixerEnergy,
  parallelMixerEnergyGradient,
  type ParallelMixerParams,
} from '../../src/index';
import { expectClose, finiteDiff, gelu64, randMatrix, values } from '@ait/core/testing';
import { type M } from '../helpers';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  setGlobalSeed(31);
});

const [N, C, MT, MC] = [3, 4, 5, 2];
const EPS = 1e-6;
type Variant = 'symmetric' | 'symmetryBreaking' | 'free';

/** PyTorch's `nn.LayerNorm((N, C), eps)` of one sample: mean and biased variance over all N * C entries, then `* weight + bias` entrywise. */
function torchLayerNorm2d(x: M, weight: M, bias: M, eps: number): M {
  const all = x.flat();
  const mean = all.reduce((a, v) => a + v, 0) / all.length;
  const variance = all.reduce((a, v) => a + (v - mean) ** 2, 0) / all.length;
  const inv = 1 / Math.sqrt(variance + eps);
  return x.map((row, n) => row.map((v, c) => (v - mean) * inv * weight[n]![c]! + bias[n]![c]!));
}

/** Weights of one block by short name, as nested float64 arrays in @ait/hopfield's layout. */
interface BlockWeights {
  token_weights: M; // [MT, N]
  channel_weights: M; // [MC, C]
  token_extra?: M; // [N, MT]
  channel_extra?: M; // [C, MC]
  token_out?: M; // [N, MT]
  channel_out?: M; // [C, MC]
  token_hidden_bias: number[];
  channel_hidden_bias: number[];
  token_output_bias: number[];
  channel_output_bias: number[];
  norm_gamma: M; // [N, C]
  norm_delta: M; // [N, C]
}

/**
 * One step of the parallel block in float64, as the authors' pMixerBlock.forward:
 * `x + mlp_tokens(norm(x)^T)^T + mlp_channels(norm(x))`, each MLP `out(gelu64(W_in v + b_in)) + b_out`
 * with `out = W_in^T` (symmetric), `W_in^T + W2` (symmetry breaking) or `W_out` (free).
 */
function refStep(x: M, w: BlockWeights, variant: Variant, alpha: number): M {
  const g = torchLayerNorm2d(x, w.norm_gamma, w.norm_delta, EPS);
  const out: M = x.map((row) => row.map(() => 0));
  // Token MLP, one column c of g (a vector over tokens) at a time.
  for (let c = 0; c < C; c++) {
    const h = w.token_weights.map((wm, m) => gelu64(wm.reduce((s, v, n) => s + v * g[n]![c]!, 0) + w.token_hidden_bias[m]!));
    for (let n = 0; n < N; n++) {
      let y = w.token_output_bias[n]!;
      for (let m = 0; m < MT; m++) {
        let coeff: number;
        if (variant === 'free') coeff = w.token_out![n]![m]!;
        else coeff = w.token_weights[m]![n]! + (variant === 'symmetryBreaking' ? w.token_extra![n]![m]! : 0);
        y += coeff * h[m]!;
      }
      out[n]![c]! += y;
    }
  }
  // Channel MLP, one row n of g (a vector over channels) at a time.
  for (let n = 0; n < N; n++) {
    const h = w.channel_weights.map((wm, m) => gelu64(wm.reduce((s, v, c) => s + v * g[n]![c]!, 0) + w.channel_hidden_bias[m]!));
    for (let c = 0; c < C; c++) {
      let y = w.channel_output_bias[c]!;
      for (let m = 0; m < MC; m++) {
        let coeff: number;
        if (variant === 'free') coeff = w.channel_out![c]![m]!;
        else coeff = w.channel_weights[m]![c]! + (variant === 'symmetryBreaking' ? w.channel_extra![c]![m]! : 0);
        y += coeff * h[m]!;
      }
      out[n]![c]! += y;
    }
  }
  return x.map((row, n) => row.map((v, c) => v + alpha * out[n]![c]!));
}

function randomWeights(rng: SeededRandom, variant: Variant): BlockWeights {
  const w: BlockWeights = {
    token_weights: randMatrix(rng, MT, N, 0.6),
    channel_weights: randMatrix(rng, MC, C, 0.6),
    token_hidden_bias: randMatrix(rng, 1, MT, 0.3)[0]!,
    channel_hidden_bias: randMatrix(rng, 1, MC, 0.3)[0]!,
    token_output_bias: randMatrix(rng, 1, N, 0.3)[0]!,
    channel_output_bias: randMatrix(rng, 1, C, 0.3)[0]!,
    norm_gamma: randMatrix(rng, N, C, 0.5).map((r) => r.map((v) => 1 + v)),
    norm_delta: randMatrix(rng, N, C, 0.3),
  };
  if (variant === 'symmetryBreaking') {
    w.token_extra = randMatrix(rng, N, MT, 0.4);
    w.channel_extra = randMatrix(rng, C, MC, 0.4);
  }
  if (variant === 'free') {
    w.token_out = randMatrix(rng, N, MT, 0.4);
    w.channel_out = randMatrix(rng, C, MC, 0.4);
  }
  return w;
}

function makeBlock(variant: Variant, w: BlockWeights, extra: { iterations?: number; stepSize?: number } = {}): ParallelMixerBlock {
  const block = new ParallelMixerBlock({ tokenHiddenDim: MT, channelHiddenDim: MC, variant, normGain: 'perEntry', epsilon: EPS, ...extra });
  block.apply(tf.zeros([1, N, C]));
  const byName = w as unknown as Record<string, M | number[]>;
  block.setWeights(block.weights.map((v) => tf.tensor((byName[v.originalName.split('/').pop()!] as M | number[]).flat(), v.read().shape)));
  return block;
}

describe("ParallelMixerBlock with normGain 'perEntry' (nn.LayerNorm((N, C)))", () => {
  it('norm_gamma is [tokens, channels] (scalar mode: [1]); norm_delta is [tokens, channels] in both', () => {
    const perEntry = new ParallelMixerBlock({ tokenHiddenDim: MT, channelHiddenDim: MC, normGain: 'perEntry' });
    const scalar = new ParallelMixerBlock({ tokenHiddenDim: MT, channelHiddenDim: MC });
    perEntry.apply(tf.zeros([1, N, C]));
    scalar.apply(tf.zeros([1, N, C]));
    const shape = (b: ParallelMixerBlock, n: string): number[] =>
      b.weights.find((w) => w.originalName.endsWith(`/${n}`))!.shape as number[];
    expect(shape(perEntry, 'norm_gamma')).toEqual([N, C]);
    expect(shape(scalar, 'norm_gamma')).toEqual([1]);
    expect(shape(perEntry, 'norm_delta')).toEqual([N, C]);
    expect(shape(scalar, 'norm_delta')).toEqual([N, C]);
    expect(perEntry.countParams() - scalar.countParams()).toBe(N * C - 1);
    expect(scalar.normGain).toBe('scalar');
    expect(perEntry.normGain).toBe('perEntry');
    // Initialised as PyTorch's LayerNorm: weight ones, bias zeros.
    expect(values(perEntry.weights.find((w) => w.originalName.endsWith('/norm_gamma'))!.read())).toEqual(new Array(N * C).fill(1));
  });

  for (const variant of ['symmetric', 'symmetryBreaking', 'free'] as const) {
    it(`${variant}: two tied steps equal the float64 block with nn.LayerNorm((N, C))`, () => {
      const rng = new SeededRandom(40);
      const w = randomWeights(rng, variant);
      const x = [randMatrix(rng, N, C, 1.5), randMatrix(rng, N, C, 0.5)];
      const block = makeBlock(variant, w, { iterations: 2, stepSize: 0.7 });
      const expected = x.map((xb) => refStep(refStep(xb, w, variant, 0.7), w, variant, 0.7));
      expectClose(values(block.apply(tf.tensor3d(x)) as tf.Tensor), expected.flat(2), { abs: 1e-4, rel: 1e-4 }, variant);
      block.dispose();
    });
  }

  it('parallelMixerActivation with a [tokens, channels] gain is nn.LayerNorm((N, C)); hasPerEntryNormGain tells the modes apart', () => {
    const rng = new SeededRandom(41);
    const w = randomWeights(rng, 'symmetric');
    const x = [randMatrix(rng, N, C, 2), randMatrix(rng, N, C, 0.1)];
    const p: ParallelMixerParams = {
      tokenWeights: tf.tensor2d(w.token_weights),
      channelWeights: tf.tensor2d(w.channel_weights),
      normGamma: tf.tensor2d(w.norm_gamma),
      normDelta: tf.tensor2d(w.norm_delta),
    };
    expect(hasPerEntryNormGain(p)).toBe(true);
    expect(hasPerEntryNormGain({ normGamma: tf.ones([1]) })).toBe(false);
    expect(hasPerEntryNormGain({ normGamma: 0.5 })).toBe(false);
    expect(hasPerEntryNormGain({})).toBe(false);
    const got = values(parallelMixerActivation(tf.tensor3d(x), p, { eps: EPS }));
    expectClose(got, x.map((xb) => torchLayerNorm2d(xb, w.norm_gamma, w.norm_delta, EPS)).flat(2), { abs: 1e-5, rel: 1e-5 });
    expect(() => parallelMixerActivation(tf.tensor3d(x), { ...p, normGamma: tf.ones([C, N]) })).toThrow(
      /normGamma must be one gain \(\[\] or \[1\]\) or one per entry \[3, 4\], got \[4, 3\]/,
    );
  });

  it('gradients of every weight and of the input equal float64 central differences of the float64 block', () => {
    for (const variant of ['symmetric', 'symmetryBreaking', 'free'] as const) {
      const rng = new SeededRandom(42);
      const w = randomWeights(rng, variant);
      const x = [randMatrix(rng, N, C), randMatrix(rng, N, C)];
      const R = [randMatrix(rng, N, C), randMatrix(rng, N, C)];
      const block = makeBlock(variant, w, { iterations: 2, stepSize: 0.5 });
      const loss = (weights: BlockWeights, input: M[]): number =>
        input.reduce(
          (s, xb, b) =>
            s +
            refStep(refStep(xb, weights, variant, 0.5), weights, variant, 0.5)
              .flat()
              .reduce((a, v, i) => a + v * R[b]!.flat()[i]!, 0),
          0,
        );
      const tfLoss = (input: tf.Tensor): tf.Scalar => tf.sum(tf.mul(block.apply(input) as tf.Tensor, tf.tensor3d(R))) as tf.Scalar;
      const xT = tf.tensor3d(x);
      const { grads } = tf.variableGrads(() => tfLoss(xT));
      for (const v of block.trainableWeights) {
        const name = v.originalName.split('/').pop()! as keyof BlockWeights;
        const base = w[name] as M | number[];
        const shape = v.shape as number[];
        const flat = base.flat() as number[];
        const fd = finiteDiff(
          (p) => {
            const moved = {
              ...w,
              [name]: shape.length === 2 ? Array.from({ length: shape[0]! }, (_, i) => p.slice(i * shape[1]!, (i + 1) * shape[1]!)) : p,
            };
            return loss(moved as BlockWeights, x);
          },
          flat,
          1e-5,
        );
        expectClose(values(grads[(v.read() as tf.Variable).name]!), fd, { abs: 2e-4, rel: 2e-3 }, `${variant} ${name}`);
      }
      const dx = values(tf.grad(tfLoss)(xT));
      const fdx = finiteDiff(
        (p) =>
          loss(
            w,
            [0, 1].map((b) => Array.from({ length: N }, (_, n) => p.slice(b * N * C + n * C, b * N * C + (n + 1) * C))),
          ),
        x.flat(2),
        1e-5,
      );
      expectClose(dx, fdx, { abs: 2e-4, rel: 2e-3 }, `${variant} dx`);
      block.dispose();
    }
  });

  it('round-trips through save / load with its [tokens, channels] gain and its config', async () => {
    const block = new ParallelMixerBlock({
      tokenHiddenDim: MT,
      channelHiddenDim: MC,
      variant: 'symmetryBreaking',
      normGain: 'perEntry',
      iterations: 2,
      inputShape: [N, C],
    });
    const m = sequential({ layers: [block] });
    m.setWeights(m.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.3, 'float32', 90 + i)));
    let saved: tf.io.ModelArtifacts | undefined;
    await m.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = artifacts;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    // tfjs writes keys and values in snake case.
    expect(JSON.stringify(saved!.modelTopology)).toContain('"norm_gain":"per_entry"');
    const loaded = await loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
    const layer = loaded.layers[0] as ParallelMixerBlock;
    expect(layer.normGain).toBe('perEntry');
    expect(loaded.weights.map((w) => [w.originalName, w.shape])).toEqual(m.weights.map((w) => [w.originalName, w.shape]));
    const x = tf.randomNormal([2, N, C], 0, 1, 'float32', 6);
    expect(values(loaded.predict(x) as tf.Tensor)).toEqual(values(m.predict(x) as tf.Tensor));
    // A config written before the option existed (no normGain) still gives the scalar gain.
    const { normGain: _dropped, ...old } = block.getConfig();
    const fromOld = ParallelMixerBlock.fromConfig(ParallelMixerBlock, old) as ParallelMixerBlock;
    expect(fromOld.normGain).toBe('scalar');
    m.dispose();
    loaded.dispose();
  });

  it('has no energy: the block, parallelMixerEnergy and its gradient refuse a gain per entry; a bad mode is a config error', () => {
    const rng = new SeededRandom(43);
    const w = randomWeights(rng, 'symmetric');
    const block = makeBlock('symmetric', w);
    const x = tf.tensor3d([randMatrix(rng, N, C)]);
    expect(() => block.energy(x)).toThrow(/gain per entry.*no energy/);
    const p = block.params();
    expect(() => parallelMixerEnergy(x, p)).toThrow(/not the gradient of any Lagrangian/);
    expect(() => parallelMixerEnergyGradient(x, p)).toThrow(/not the gradient of any Lagrangian/);
    expect(() => new ParallelMixerBlock({ tokenHiddenDim: 2, channelHiddenDim: 2, normGain: 'matrix' as 'scalar' })).toThrow(/normGain/);
    block.dispose();
  });
});
