import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, ConfigError, initBackend, SeededRandom, type ParameterRef } from '../../src/index';
import { useBackend } from '../../testing/index';

interface RefConfig {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

/** PyTorch AdamW in plain float64 JS, for one parameter given as a flat array. */
function referenceAdamW(
  p0: readonly number[],
  grads: readonly (readonly number[])[],
  lrs: readonly number[],
  cfg: RefConfig,
  decay: boolean,
): number[] {
  const p = p0.slice();
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g, s) => {
    const t = s + 1;
    const lr = lrs[s] as number;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i] as number;
      if (decay) p[i] = (p[i] as number) - lr * cfg.weightDecay * (p[i] as number);
      m[i] = cfg.beta1 * (m[i] as number) + (1 - cfg.beta1) * gi;
      v[i] = cfg.beta2 * (v[i] as number) + (1 - cfg.beta2) * gi * gi;
      const mHat = (m[i] as number) / (1 - cfg.beta1 ** t);
      const vHat = (v[i] as number) / (1 - cfg.beta2 ** t);
      p[i] = (p[i] as number) - (lr * mHat) / (Math.sqrt(vHat) + cfg.epsilon);
    }
  });
  return p;
}

/** Values exactly representable in float32, so the tensors and the reference start equal. */
function randomValues(rng: SeededRandom, n: number, scale = 1): number[] {
  return Array.from({ length: n }, () => Math.fround(rng.normal() * scale));
}

interface Spec {
  name: string;
  shape: number[];
}

const SPECS: Spec[] = [
  { name: 'block/dense/kernel', shape: [2, 3] },
  { name: 'block/dense/bias', shape: [3] },
  { name: 'block/norm/gamma', shape: [3] },
];

function size(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function makeParams(rng: SeededRandom): { refs: ParameterRef[]; init: number[][] } {
  const init = SPECS.map((s) => randomValues(rng, size(s.shape)));
  const refs = SPECS.map((s, i) => ({ name: s.name, variable: tf.variable(tf.tensor(init[i] as number[], s.shape)) }));
  return { refs, init };
}

function makeGrads(rng: SeededRandom, steps: number): number[][][] {
  return Array.from({ length: steps }, () => SPECS.map((s) => randomValues(rng, size(s.shape), 0.5)));
}

function runSteps(opt: AdamW, refs: ParameterRef[], grads: number[][][], lrs: number[]): void {
  grads.forEach((step, s) => {
    opt.learningRate = lrs[s] as number;
    const g = step.map((values, i) => tf.tensor(values, SPECS[i]?.shape));
    opt.applyGradients(refs, g);
    tf.dispose(g);
  });
}

/** |actual - expected| < tol * max(1, |expected|): absolute near zero, relative for large values. */
function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as number;
    expect(Math.abs((actual[i] as number) - e)).toBeLessThan(tol * Math.max(1, Math.abs(e)));
  }
}

const CFG: RefConfig = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.1 };
const LRS = [0.05, 0.04, 0.03, 0.02, 0.01, 0.02];

describe('AdamW', () => {
  useBackend('cpu');

  it('first step moves each entry by lr * g / (|g| + eps) (no decay)', () => {
    const p = tf.variable(tf.tensor1d([1, -2, 3]));
    const opt = new AdamW({ learningRate: 0.1, weightDecay: 0 });
    const g = tf.tensor1d([0.5, -4, 0]);
    opt.applyGradients([{ name: 'p', variable: p }], [g]);
    expectClose(p.dataSync(), [1 - 0.1, -2 + 0.1, 3], 1e-6);
    expect(opt.iterations).toBe(1);
    expect(g.isDisposed).toBe(false);
    tf.dispose([p, g]);
    opt.dispose();
  });

  it('matches PyTorch AdamW semantics over 6 steps without weight decay', () => {
    const rng = new SeededRandom(1);
    const { refs, init } = makeParams(rng);
    const grads = makeGrads(rng, 6);
    const opt = new AdamW({ learningRate: 1, weightDecay: 0 });
    runSteps(opt, refs, grads, LRS);
    refs.forEach((ref, i) => {
      const expected = referenceAdamW(
        init[i] as number[],
        grads.map((g) => g[i] as number[]),
        LRS,
        { ...CFG, weightDecay: 0 },
        false,
      );
      expectClose(ref.variable.dataSync(), expected, 2e-5);
    });
    expect(opt.iterations).toBe(6);
    opt.dispose();
    tf.dispose(refs.map((r) => r.variable));
  });

  it.each([
    ['cpu', true],
    ['cpu', false],
    ['wasm', true],
    ['wasm', false],
  ] as const)('on %s with inPlace %s matches the float64 reference over 6 steps with weight decay', async (backend, inPlace) => {
    await initBackend({ backend });
    try {
      const rng = new SeededRandom(7);
      const { refs, init } = makeParams(rng);
      const grads = makeGrads(rng, 6);
      const opt = new AdamW({ learningRate: 1, weightDecay: CFG.weightDecay, inPlace });
      runSteps(opt, refs, grads, LRS);
      refs.forEach((ref, i) => {
        const decay = (SPECS[i]?.shape.length ?? 0) >= 2;
        const expected = referenceAdamW(
          init[i] as number[],
          grads.map((g) => g[i] as number[]),
          LRS,
          CFG,
          decay,
        );
        expectClose(ref.variable.dataSync(), expected, 2e-5);
      });
      const state = opt.getState();
      const first = state.moments[SPECS[0]!.name]!;
      expect(Array.from(first.m.dataSync()).some((x) => x !== 0)).toBe(true);
      opt.dispose();
      tf.dispose(refs.map((r) => r.variable));
    } finally {
      await initBackend({ backend: 'cpu' });
    }
  });

  it('on wasm, products with an updated weight see the new values (XNNPACK caches packed weights by tensor)', async () => {
    await initBackend({ backend: 'wasm' });
    try {
      const outputs = (inPlace: boolean): number[][] => {
        const w = tf.variable(tf.tensor2d(randomValues(new SeededRandom(3), 24), [4, 6]));
        const conv = tf.variable(tf.tensor4d(randomValues(new SeededRandom(4), 3 * 3 * 2 * 3), [3, 3, 2, 3]));
        const x = tf.tensor2d(randomValues(new SeededRandom(5), 20), [5, 4]);
        const img = tf.tensor4d(randomValues(new SeededRandom(6), 2 * 6 * 6 * 2), [2, 6, 6, 2]);
        const opt = new AdamW({ learningRate: 0.05, weightDecay: 0.1, inPlace });
        const refs = [
          { name: 'w', variable: w },
          { name: 'conv', variable: conv },
        ];
        const seen: number[][] = [];
        for (let step = 0; step < 4; step++) {
          const { value, grads } = tf.variableGrads(
            () => tf.add(tf.sum(tf.square(tf.matMul(x, w))), tf.sum(tf.square(tf.conv2d(img, conv, 1, 'same')))),
            [w, conv],
          );
          seen.push([value.dataSync()[0] as number]);
          opt.applyGradients(refs, [grads[w.name]!, grads[conv.name]!]);
          tf.dispose([value, ...Object.values(grads)]);
        }
        seen.push(Array.from(w.dataSync()), Array.from(conv.dataSync()));
        tf.dispose([w, conv, x, img]);
        opt.dispose();
        return seen;
      };
      const viaKernels = outputs(false);
      const viaInPlace = outputs(true);
      viaInPlace.forEach((row, i) => expectClose(row, viaKernels[i] as number[], 1e-4));
    } finally {
      await initBackend({ backend: 'cpu' });
    }
  });

  it('leaves a tensor that shares the parameter memory unchanged (falls back to kernels)', () => {
    const p = tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2]));
    const alias = tf.reshape(p, [4]);
    const opt = new AdamW({ learningRate: 0.1, weightDecay: 0 });
    const g = tf.ones([2, 2]);
    opt.applyGradients([{ name: 'p', variable: p }], [g]);
    expectClose(p.dataSync(), [0.9, 1.9, 2.9, 3.9], 1e-6);
    expect(Array.from(alias.dataSync())).toEqual([1, 2, 3, 4]);
    tf.dispose([p, alias, g]);
    opt.dispose();
  });

  it('applies decoupled weight decay only to rank >= 2 parameters by default', () => {
    const rng = new SeededRandom(2);
    const { refs, init } = makeParams(rng);
    const grads = makeGrads(rng, 6);
    const opt = new AdamW({ learningRate: 1, weightDecay: CFG.weightDecay, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 });
    runSteps(opt, refs, grads, LRS);
    const cfg = { ...CFG, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 };
    refs.forEach((ref, i) => {
      const decay = (SPECS[i]?.shape.length ?? 0) >= 2;
      const gi = grads.map((g) => g[i] as number[]);
      const expected = referenceAdamW(init[i] as number[], gi, LRS, cfg, decay);
      expectClose(ref.variable.dataSync(), expected, 2e-5);
      if (decay) {
        // The decay must make a visible difference, otherwise this test could not fail.
        const undecayed = referenceAdamW(init[i] as number[], gi, LRS, cfg, false);
        const diff = Math.max(...expected.map((e, j) => Math.abs(e - (undecayed[j] as number))));
        expect(diff).toBeGreaterThan(1e-3);
      }
    });
    opt.dispose();
    tf.dispose(refs.map((r) => r.variable));
  });

  it('honours a decay filter that excludes biases (but decays a rank-1 gain)', () => {
    const rng = new SeededRandom(3);
    const { refs, init } = makeParams(rng);
    const grads = makeGrads(rng, 5);
    const seen: string[] = [];
    const opt = new AdamW({
      learningRate: 1,
      weightDecay: 0.2,
      decayFilter: (p) => {
        seen.push(p.name);
        return !p.name.endsWith('/bias');
      },
    });
    runSteps(opt, refs, grads, LRS.slice(0, 5));
    refs.forEach((ref, i) => {
      const decay = !(SPECS[i]?.name ?? '').endsWith('/bias');
      const expected = referenceAdamW(
        init[i] as number[],
        grads.map((g) => g[i] as number[]),
        LRS.slice(0, 5),
        { ...CFG, weightDecay: 0.2 },
        decay,
      );
      expectClose(ref.variable.dataSync(), expected, 2e-5);
    });
    expect(new Set(seen)).toEqual(new Set(SPECS.map((s) => s.name)));
    opt.dispose();
    tf.dispose(refs.map((r) => r.variable));
  });

  it('getState/setState round trip continues identically, and copies the tensors', () => {
    const rng = new SeededRandom(4);
    const { refs: refsA } = makeParams(rng);
    const grads = makeGrads(rng, 6);
    const a = new AdamW({ learningRate: 0.01 });
    runSteps(a, refsA, grads.slice(0, 3), LRS.slice(0, 3));

    // Snapshot A (as a checkpoint would), into a fresh optimiser and fresh parameter variables.
    const state = a.getState();
    expect(state.iterations).toBe(3);
    expect(Object.keys(state.moments).sort()).toEqual(SPECS.map((s) => s.name).sort());
    const b = new AdamW({ learningRate: 0.01 });
    b.setState(state);
    const refsB = refsA.map((r) => ({ name: r.name, variable: tf.variable(r.variable.clone()) }));
    expect(b.iterations).toBe(3);

    runSteps(a, refsA, grads.slice(3), LRS.slice(3));
    runSteps(b, refsB, grads.slice(3), LRS.slice(3));
    refsA.forEach((r, i) => {
      expect(Array.from(refsB[i]?.variable.dataSync() ?? [])).toEqual(Array.from(r.variable.dataSync()));
    });
    const sa = a.getState();
    const sb = b.getState();
    for (const name of Object.keys(sa.moments)) {
      expect(Array.from(sb.moments[name]?.m.dataSync() ?? [])).toEqual(Array.from(sa.moments[name]?.m.dataSync() ?? []));
      expect(Array.from(sb.moments[name]?.v.dataSync() ?? [])).toEqual(Array.from(sa.moments[name]?.v.dataSync() ?? []));
    }
    // B owns copies: disposing A leaves B usable.
    a.dispose();
    expect(() => runSteps(b, refsB, grads.slice(0, 1), [0.01])).not.toThrow();
    expect(b.iterations).toBe(7);
    b.dispose();
    tf.dispose([...refsA, ...refsB].map((r) => r.variable));
  });

  it('setState on itself (getState then setState) keeps the values', () => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    const opt = new AdamW({ learningRate: 0.1 });
    const g = tf.tensor1d([0.3, -0.7]);
    opt.applyGradients([{ name: 'p', variable: p }], [g]);
    const before = Array.from(opt.getState().moments.p?.v.dataSync() ?? []);
    opt.setState(opt.getState());
    expect(Array.from(opt.getState().moments.p?.v.dataSync() ?? [])).toEqual(before);
    expect(before[0]).toBeCloseTo(0.001 * 0.09, 6);
    opt.dispose();
    tf.dispose([p, g]);
  });

  it('rejects a state that does not fit the parameters, keeping its own', () => {
    const p = tf.variable(tf.zeros([2, 2]));
    const opt = new AdamW({ learningRate: 0.1 });
    const g = tf.ones([2, 2]);
    opt.applyGradients([{ name: 'w', variable: p }], [g]);
    const wrongShape = { m: tf.zeros([3]), v: tf.zeros([3]) };
    expect(() => opt.setState({ iterations: 5, moments: { w: wrongShape } })).toThrow(/shape \[3\].*\[2, 2\]/);
    expect(() => opt.setState({ iterations: 5, moments: { other: { m: tf.zeros([2, 2]), v: tf.zeros([2, 2]) } } })).toThrow(
      /"other".*not one of/,
    );
    expect(() => opt.setState({ iterations: -1, moments: {} })).toThrow(/iterations/);
    expect(() => opt.setState({ iterations: 1, moments: { w: { m: tf.zeros([2, 2]), v: tf.zeros([2]) } } })).toThrow(/m of shape/);
    expect(opt.iterations).toBe(1);
    expect(opt.getState().moments.w?.m.shape).toEqual([2, 2]);
    // A fresh optimiser accepts any consistent state, then checks shapes at the next step.
    const fresh = new AdamW({ learningRate: 0.1 });
    fresh.setState({ iterations: 2, moments: { w: wrongShape } });
    expect(() => fresh.applyGradients([{ name: 'w', variable: p }], [g])).toThrow(/state for "w" has shape \[3\]/);
    tf.dispose([p, g, wrongShape.m, wrongShape.v]);
    opt.dispose();
    fresh.dispose();
  });

  it('does not grow tf.memory().numTensors over 50 steps', () => {
    const rng = new SeededRandom(5);
    const { refs } = makeParams(rng);
    const grads = SPECS.map((s) => tf.tensor(randomValues(rng, size(s.shape)), s.shape));
    const opt = new AdamW({ learningRate: 0.001 });
    opt.applyGradients(refs, grads); // creates the moments
    const after1 = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) {
      opt.learningRate = 0.001 * (1 + (i % 3));
      opt.applyGradients(refs, grads);
    }
    expect(tf.memory().numTensors).toBe(after1);
    expect(opt.iterations).toBe(51);
    const beforeDispose = tf.memory().numTensors;
    opt.dispose();
    expect(tf.memory().numTensors).toBe(beforeDispose - 2 * SPECS.length);
    tf.dispose([...grads, ...refs.map((r) => r.variable)]);
  });

  it('validates its config and inputs with clear errors', () => {
    expect(() => new AdamW({ learningRate: -1 })).toThrow(ConfigError);
    expect(() => new AdamW({ learningRate: -1 })).toThrow(/learningRate/);
    expect(() => new AdamW({ learningRate: 0.1, beta1: 1 })).toThrow(/beta1/);
    expect(() => new AdamW({ learningRate: 0.1, beta2: -0.1 })).toThrow(/beta2/);
    expect(() => new AdamW({ learningRate: Number.NaN })).toThrow(/learningRate/);
    expect(() => new AdamW({ learningRate: 0.1, lr: 3 } as never)).toThrow(/lr/);
    const opt = new AdamW({ learningRate: 0.1 });
    expect(opt.config).toEqual({ learningRate: 0.1, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.01 });
    expect(() => {
      opt.learningRate = -0.5;
    }).toThrow(/learningRate must be a finite number >= 0/);
    const p = tf.variable(tf.zeros([2, 3]));
    const g = tf.zeros([3, 2]);
    const gOk = tf.zeros([2, 3]);
    expect(() => opt.applyGradients([{ name: 'w', variable: p }], [g])).toThrow(/shape \[3, 2\].*\[2, 3\]/);
    expect(() => opt.applyGradients([{ name: 'w', variable: p }], [])).toThrow(/1 parameters but 0 gradients/);
    expect(() =>
      opt.applyGradients(
        [
          { name: 'w', variable: p },
          { name: 'w', variable: p },
        ],
        [gOk, gOk],
      ),
    ).toThrow(/appears twice/);
    expect(opt.iterations).toBe(0);
    opt.dispose();
    expect(() => opt.applyGradients([], [])).toThrow(/disposed/);
    tf.dispose([p, g, gOk]);
  });
});
