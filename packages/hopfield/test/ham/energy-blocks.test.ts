import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { sequential } from '@tensorflow/tfjs-layers';
import { Dense, initBackend, SeededRandom, setGlobalSeed } from '@ait/core';
import {
  EnergyTransformerBlock,
  energyTransformerDescent,
  energyTransformerEnergy,
  energyTransformerGradient,
  HAM_LAYER_CLASSES,
  ParallelMixerBlock,
  parallelMixerActivation,
  parallelMixerDescent,
  parallelMixerEnergy,
  parallelMixerEnergyGradient,
  layerNormLagrangian,
  type EnergyTransformerParams,
  type ParallelMixerParams,
} from '../../src/index';
import { erf64, expectClose, expectModelRoundTrip, expectNoLeak, gelu64, logSumExp, randMatrix, values } from '@ait/core/testing';
import { dot } from '../helpers';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  setGlobalSeed(14);
});

const relu = (v: number): number => Math.max(v, 0);

function lnRow(x: number[], gamma: number, delta: number[] | null, eps: number): number[] {
  const mean = x.reduce((a, b) => a + b, 0) / x.length;
  const sd = Math.sqrt(x.reduce((a, b) => a + (b - mean) ** 2, 0) / x.length + eps);
  return x.map((v, i) => (gamma * (v - mean)) / sd + (delta ? delta[i]! : 0));
}

/** The autodiff dE/dx and the analytic dE/dg pulled back through the activation g(x): J^T (dE/dg). */
function pullBack(x: tf.Tensor, activation: (v: tf.Tensor) => tf.Tensor, dEdg: tf.Tensor): tf.Tensor {
  return tf.grad((v: tf.Tensor) => tf.sum(tf.mul(activation(v), dEdg)))(x);
}

describe('Energy Transformer', () => {
  const rng = new SeededRandom(1);
  const [H, Y, D, M, N] = [2, 3, 4, 5, 3];
  const wq = randMatrix(rng, H * Y, D, 0.7);
  const wk = randMatrix(rng, H * Y, D, 0.7);
  const xi = randMatrix(rng, M, D, 0.7);
  const delta = randMatrix(rng, 1, D, 0.3)[0]!;
  const params = (): EnergyTransformerParams => ({
    queryWeights: tf.tensor3d(wq.flat(), [H, Y, D]),
    keyWeights: tf.tensor3d(wk.flat(), [H, Y, D]),
    memories: tf.tensor2d(xi),
    normGamma: 1.3,
    normDelta: tf.tensor1d(delta),
  });
  const mask = [
    [1, 1, 0],
    [0, 1, 1],
    [1, 1, 1],
  ];
  const refEnergy = (x: number[][], beta: number, useMask: boolean): number => {
    const g = x.map((row) => lnRow(row, 1.3, delta, 1e-5));
    let e = 0;
    for (let h = 0; h < H; h++) {
      const q = g.map((gc) => Array.from({ length: Y }, (_, y) => dot(wq[h * Y + y]!, gc)));
      const k = g.map((gb) => Array.from({ length: Y }, (_, y) => dot(wk[h * Y + y]!, gb)));
      q.forEach((qc, c) => {
        const logits = k.map((kb) => beta * dot(kb, qc)).filter((_, b) => !useMask || mask[c]![b] === 1);
        e -= logSumExp(logits) / beta;
      });
    }
    g.forEach((gb) => xi.forEach((m) => (e -= 0.5 * relu(dot(m, gb)) ** 2)));
    return e;
  };

  it('energy equals a float64 computation of attention + Hopfield energy (with and without a mask)', () => {
    const x = [randMatrix(rng, N, D), randMatrix(rng, N, D)];
    const e = energyTransformerEnergy(tf.tensor3d(x), params(), { beta: 0.8 });
    expectClose(
      values(e),
      x.map((s) => refEnergy(s, 0.8, false)),
      { abs: 1e-4, rel: 1e-4 },
    );
    const em = energyTransformerEnergy(tf.tensor3d(x), params(), { beta: 0.8, mask: tf.tensor2d(mask) });
    expectClose(
      values(em),
      x.map((s) => refEnergy(s, 0.8, true)),
      { abs: 1e-4, rel: 1e-4 },
      'masked',
    );
  });

  it('the analytic dE/dg agrees with automatic differentiation', () => {
    const x = tf.tensor3d([randMatrix(rng, N, D), randMatrix(rng, N, D)]);
    for (const options of [{ beta: 0.8 }, { mask: tf.tensor2d(mask) }]) {
      const p = params();
      const auto = tf.grad((v: tf.Tensor) => tf.sum(energyTransformerEnergy(v, p, options)))(x);
      const analytic = energyTransformerGradient(x, p, options);
      const ln = (v: tf.Tensor): tf.Tensor => layerNormLagrangian({ gamma: 1.3, delta: tf.tensor1d(delta) }).activation(v);
      expectClose(values(pullBack(x, ln, analytic)), values(auto), { abs: 1e-4, rel: 1e-3 });
    }
  });

  it('descent never increases the energy at small step sizes (seeds)', () => {
    for (let seed = 0; seed < 5; seed++) {
      const r = new SeededRandom(600 + seed);
      const x = tf.tensor3d([randMatrix(r, N, D, 2)]);
      const run = energyTransformerDescent(x, params(), { steps: 30, stepSize: 0.02, recordEnergies: true });
      const e = values(run.energies!);
      e.slice(1).forEach((v, t) => expect(v, `seed ${seed} step ${t + 1}`).toBeLessThanOrEqual(e[t]! + 1e-5));
      expect(e[e.length - 1]!).toBeLessThan(e[0]!);
    }
  });

  it('EnergyTransformerBlock: output is the unrolled descent; energies on request; serialises; no leaks', async () => {
    const block = new EnergyTransformerBlock({
      numHeads: 2,
      headDim: 3,
      numMemories: 6,
      steps: 4,
      stepSize: 0.05,
      inputShape: [N, D],
      returnEnergies: true,
    });
    const x = tf.randomNormal([2, N, D], 0, 1, 'float32', 1);
    const [out, energies] = block.apply(x) as tf.Tensor[];
    const manual = energyTransformerDescent(x, block.params(), { steps: 4, stepSize: 0.05 });
    expectClose(values(out!), values(manual.state), { abs: 1e-6 });
    expect(energies!.shape).toEqual([2, 5]);
    expectClose(values(tf.slice(energies!, [0, 0], [2, 1])), values(block.energy(x)), { abs: 1e-5 });
    const plain = new EnergyTransformerBlock({ numHeads: 1, headDim: 2, numMemories: 3, steps: 2, inputShape: [N, D] });
    const m = sequential({ layers: [plain, new Dense({ units: 2 })] });
    await expectModelRoundTrip(m, x, { stddev: 0.3, seed: 90 });
    await expectNoLeak(() => {
      tf.dispose(block.apply(x) as tf.Tensor[]);
      const d = block.descend(x, { steps: 2 });
      tf.dispose([d.state, d.energies]);
    });
  });
});

describe('Karakida-Ota-Taki three-layer network (parallel MLP-Mixer)', () => {
  const rng = new SeededRandom(2);
  const [N, C, Mt, Mc] = [3, 4, 5, 2];
  const wt = randMatrix(rng, Mt, N, 0.6);
  const wc = randMatrix(rng, Mc, C, 0.6);
  const bt = randMatrix(rng, 1, Mt, 0.3)[0]!;
  const bc = randMatrix(rng, 1, Mc, 0.3)[0]!;
  const ct = randMatrix(rng, 1, N, 0.3)[0]!;
  const cc = randMatrix(rng, 1, C, 0.3)[0]!;
  const delta = randMatrix(rng, N, C, 0.2);
  const params = (): ParallelMixerParams => ({
    tokenWeights: tf.tensor2d(wt),
    channelWeights: tf.tensor2d(wc),
    tokenHiddenBias: tf.tensor1d(bt),
    channelHiddenBias: tf.tensor1d(bc),
    tokenOutputBias: tf.tensor1d(ct),
    channelOutputBias: tf.tensor1d(cc),
    normGamma: 0.9,
    normDelta: tf.tensor2d(delta),
  });
  const phi = (v: number): number =>
    0.25 * (v * v + (v * v - 1) * erf64(v / Math.SQRT2) + v * Math.sqrt(2 / Math.PI) * Math.exp(-0.5 * v * v));
  /** g = LN over the whole matrix (float64). */
  const refG = (x: number[][]): number[][] => {
    const flat = lnRow(x.flat(), 0.9, delta.flat(), 1e-5);
    return x.map((_, n) => flat.slice(n * C, (n + 1) * C));
  };
  const refEnergy = (x: number[][]): number => {
    const g = refG(x);
    let e = 0;
    for (let m = 0; m < Mt; m++) for (let c = 0; c < C; c++) e -= phi(g.reduce((s, row, n) => s + wt[m]![n]! * row[c]!, 0) + bt[m]!);
    for (let n = 0; n < N; n++) for (let m = 0; m < Mc; m++) e -= phi(dot(wc[m]!, g[n]!) + bc[m]!);
    g.forEach((row, n) => row.forEach((v, c) => (e -= (ct[n]! + cc[c]!) * v)));
    return e;
  };
  /** One parallel Mixer step `x + MLP_tok(g) + MLP_ch(g)` for the given output matrices (float64). */
  const refBlock = (x: number[][], tokOut: number[][], chOut: number[][], alpha = 1): number[][] => {
    const g = refG(x);
    const hTok = Array.from({ length: C }, (_, c) =>
      Array.from({ length: Mt }, (_, m) => gelu64(g.reduce((s, row, n) => s + wt[m]![n]! * row[c]!, 0) + bt[m]!)),
    );
    const hCh = g.map((row) => Array.from({ length: Mc }, (_, m) => gelu64(dot(wc[m]!, row) + bc[m]!)));
    return x.map((row, n) =>
      row.map((v, c) => {
        const tok = hTok[c]!.reduce((s, h, m) => s + tokOut[n]![m]! * h, 0) + ct[n]!;
        const ch = hCh[n]!.reduce((s, h, m) => s + chOut[c]![m]! * h, 0) + cc[c]!;
        return v + alpha * (tok + ch);
      }),
    );
  };
  const transposeOf = (a: number[][]): number[][] => a[0]!.map((_, j) => a.map((r) => r[j]!));

  it('energy equals a float64 computation with the GELU-integral Lagrangian', () => {
    const x = [randMatrix(rng, N, C), randMatrix(rng, N, C)];
    expectClose(values(parallelMixerEnergy(tf.tensor3d(x), params())), x.map(refEnergy), { abs: 1e-4, rel: 1e-4 });
  });

  it('the analytic dE/dg (minus the tied MLPs) agrees with automatic differentiation', () => {
    const x = tf.tensor3d([randMatrix(rng, N, C), randMatrix(rng, N, C)]);
    const p = params();
    const auto = tf.grad((v: tf.Tensor) => tf.sum(parallelMixerEnergy(v, p)))(x);
    const analytic = parallelMixerEnergyGradient(x, p);
    expectClose(values(pullBack(x, (v) => parallelMixerActivation(v, p), analytic)), values(auto), { abs: 1e-4, rel: 1e-3 });
  });

  it('one descent step with alpha = 1 is the symmetric parallel Mixer block; small steps never increase the energy', () => {
    const x = randMatrix(rng, N, C);
    const step = parallelMixerDescent(tf.tensor3d([x]), params());
    expectClose(values(step.state), refBlock(x, transposeOf(wt), transposeOf(wc)).flat(), { abs: 1e-4, rel: 1e-4 });
    for (let seed = 0; seed < 5; seed++) {
      const r = new SeededRandom(700 + seed);
      const run = parallelMixerDescent(tf.tensor3d([randMatrix(r, N, C, 2)]), params(), {
        steps: 30,
        stepSize: 0.02,
        recordEnergies: true,
      });
      const e = values(run.energies!);
      e.slice(1).forEach((v, t) => expect(v, `seed ${seed} step ${t + 1}`).toBeLessThanOrEqual(e[t]! + 1e-5));
      expect(e[e.length - 1]!).toBeLessThan(e[0]!);
    }
  });

  it('ParallelMixerBlock variants equal the float64 block: symmetric, symmetry breaking (W1^T + W2), free', () => {
    const x = randMatrix(rng, N, C);
    for (const variant of ['symmetric', 'symmetryBreaking', 'free'] as const) {
      const block = new ParallelMixerBlock({ tokenHiddenDim: Mt, channelHiddenDim: Mc, variant });
      block.apply(tf.tensor3d([x]));
      const byName: Record<string, number[]> = {
        token_weights: wt.flat(),
        channel_weights: wc.flat(),
        token_hidden_bias: bt,
        channel_hidden_bias: bc,
        token_output_bias: ct,
        channel_output_bias: cc,
        norm_gamma: [0.9],
        norm_delta: delta.flat(),
      };
      const extraT = randMatrix(rng, N, Mt, 0.4);
      const extraC = randMatrix(rng, C, Mc, 0.4);
      byName.token_extra = extraT.flat();
      byName.channel_extra = extraC.flat();
      byName.token_out = extraT.flat();
      byName.channel_out = extraC.flat();
      block.setWeights(block.weights.map((w) => tf.tensor(byName[w.originalName.split('/').pop()!]!, w.read().shape)));
      const out = block.apply(tf.tensor3d([x])) as tf.Tensor;
      let tokOut = transposeOf(wt);
      let chOut = transposeOf(wc);
      if (variant === 'symmetryBreaking') {
        tokOut = tokOut.map((row, n) => row.map((v, m) => v + extraT[n]![m]!));
        chOut = chOut.map((row, c) => row.map((v, m) => v + extraC[c]![m]!));
      }
      if (variant === 'free') {
        tokOut = extraT;
        chOut = extraC;
      }
      expectClose(values(out), refBlock(x, tokOut, chOut).flat(), { abs: 1e-4, rel: 1e-4 }, variant);
      if (variant === 'symmetric') expectClose(values(block.energy(tf.tensor3d([x]))), [refEnergy(x)], { abs: 1e-4, rel: 1e-4 });
      else expect(() => block.energy(tf.tensor3d([x]))).toThrow(/only the symmetric variant/);
    }
  });

  it('iterations repeat the block with tied weights', () => {
    const x = tf.randomNormal([2, N, C], 0, 1, 'float32', 3);
    const once = new ParallelMixerBlock({ tokenHiddenDim: Mt, channelHiddenDim: Mc });
    const thrice = new ParallelMixerBlock({ tokenHiddenDim: Mt, channelHiddenDim: Mc, iterations: 3 });
    once.apply(x);
    thrice.apply(x);
    thrice.setWeights(once.getWeights());
    const expected = once.apply(once.apply(once.apply(x) as tf.Tensor) as tf.Tensor) as tf.Tensor;
    expectClose(values(thrice.apply(x) as tf.Tensor), values(expected), { abs: 1e-5 });
  });

  it('the symmetry-breaking penalty lambda ||W2||^2 is part of the model.fit loss and can be annealed', async () => {
    const block = new ParallelMixerBlock({
      tokenHiddenDim: Mt,
      channelHiddenDim: Mc,
      variant: 'symmetryBreaking',
      symmetryPenalty: 0.5,
      inputShape: [N, C],
    });
    const m = sequential({ layers: [block] });
    m.compile({ optimizer: tf.train.sgd(0), loss: 'meanSquaredError' });
    block.setWeights(block.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 1, 'float32', 40 + i)));
    const w2 = block.weights.filter((w) => /token_extra|channel_extra/.test(w.originalName)).map((w) => values(w.read()));
    const penalty = 0.5 * w2.flat().reduce((s, v) => s + v * v, 0);
    expectClose(values(block.symmetryPenaltyLoss()), [penalty], { rel: 1e-5 });
    const x = tf.randomNormal([4, N, C], 0, 1, 'float32', 5);
    const y = tf.randomNormal([4, N, C], 0, 1, 'float32', 6);
    const mse = values(tf.mean(tf.square(tf.sub(m.predict(x) as tf.Tensor, y))))[0]!;
    const withPenalty = (await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 })).history.loss![0] as number;
    expect(withPenalty).toBeCloseTo(mse + penalty, 3);
    block.setSymmetryPenalty(0);
    const without = (await m.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 })).history.loss![0] as number;
    expect(without).toBeCloseTo(mse, 4);
    expect(() => block.setSymmetryPenalty(-1)).toThrow(/>= 0/);
  });

  it('serialises every variant, registered under AitHopfield names, without leaks', async () => {
    expect(HAM_LAYER_CLASSES.map((c) => c.className)).toEqual(['AitHopfieldEnergyTransformer', 'AitHopfieldParallelMixer']);
    for (const variant of ['symmetric', 'symmetryBreaking', 'free'] as const) {
      const m = sequential({
        layers: [new ParallelMixerBlock({ tokenHiddenDim: 4, channelHiddenDim: 3, variant, iterations: 2, inputShape: [N, C] })],
      });
      await expectModelRoundTrip(m, tf.randomNormal([2, N, C], 0, 1, 'float32', 6), { stddev: 0.3, seed: 90 });
    }
    const block = new ParallelMixerBlock({ tokenHiddenDim: 4, channelHiddenDim: 3, variant: 'symmetryBreaking' });
    const x = tf.randomNormal([2, N, C], 0, 1, 'float32', 7);
    block.apply(x);
    await expectNoLeak(() => {
      tf.dispose(block.apply(x, { training: true }) as tf.Tensor);
      tf.dispose(block.symmetryPenaltyLoss());
    });
  });
});

describe('layer gradients match finite differences', () => {
  it('EnergyTransformerBlock and every ParallelMixerBlock variant: gradients of every weight and of the input', () => {
    const layers = [
      new EnergyTransformerBlock({ numHeads: 2, headDim: 2, numMemories: 3, steps: 3, stepSize: 0.2 }),
      new ParallelMixerBlock({ tokenHiddenDim: 3, channelHiddenDim: 2, iterations: 2 }),
      new ParallelMixerBlock({ tokenHiddenDim: 3, channelHiddenDim: 2, variant: 'symmetryBreaking' }),
      new ParallelMixerBlock({ tokenHiddenDim: 3, channelHiddenDim: 2, variant: 'free' }),
    ];
    for (const layer of layers) {
      const x = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 8);
      layer.apply(x);
      layer.setWeights(layer.getWeights().map((w, i) => tf.add(tf.randomNormal(w.shape, 0, 0.4, 'float32', 10 + i), w.size === 1 ? 1 : 0)));
      const C = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 9);
      const f = (input: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, C)) as tf.Scalar;
      const { grads } = tf.variableGrads(() => f(x));
      const dx = tf.grad(f)(x);
      const h = 1e-2;
      const probe = (t: tf.Variable | null, base: tf.Tensor, i: number): number => {
        const flat = Array.from(base.dataSync());
        const at = (d: number): number => {
          const v = [...flat];
          v[i] = v[i]! + d;
          const moved = tf.tensor(v, base.shape);
          if (t) t.assign(moved);
          const r = tf.tidy(() => f(t ? x : moved).dataSync()[0]!);
          if (t) t.assign(tf.tensor(flat, base.shape));
          return r;
        };
        return (at(h) - at(-h)) / (2 * h);
      };
      for (const w of layer.trainableWeights) {
        const v = w.read() as tf.Variable;
        const g = values(grads[v.name]!);
        for (const i of [0, Math.floor(v.size / 2), v.size - 1]) {
          expectClose([g[i]!], [probe(v, v, i)], { abs: 5e-3, rel: 3e-2 }, `${layer.getClassName()} ${w.originalName}[${i}]`);
        }
      }
      for (const i of [0, 5, 23])
        expectClose([values(dx)[i]!], [probe(null, x, i)], { abs: 5e-3, rel: 3e-2 }, `${layer.getClassName()} dx[${i}]`);
    }
  });
});
