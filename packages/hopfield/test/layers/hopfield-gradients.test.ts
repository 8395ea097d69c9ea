import { beforeAll, describe, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, SeededRandom, setGlobalSeed } from '@ait/core';
import { Hopfield, HopfieldLayer, HopfieldPooling, type HopfieldArgs } from '../../src/index';
import { expectClose, finiteDiff, randMatrix, values } from '@ait/core/testing';
import { ln, referenceDefaults, referenceHopfield, type Mat, type RefOptions, type Weights } from './hopfield-reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  setGlobalSeed(12);
});

/** Gradient check: tfjs gradients of sum(output * C) against float64 finite differences of the reference. */
function checkGradients(
  layer: Hopfield,
  ref: RefOptions,
  rng: SeededRandom,
  widths: { k: number; q: number; v: number },
  mask: ((b: number, h: number, l: number, s: number) => number) | null,
  kwargs: Record<string, tf.Tensor>,
): void {
  const S = 4;
  const L = 2;
  const K: Mat[] = [randMatrix(rng, S, widths.k)];
  const Q: Mat[] = [randMatrix(rng, L, widths.q)];
  const Vin: Mat[] = [randMatrix(rng, S, widths.v)];
  const inputs = [tf.tensor3d(K), tf.tensor3d(Q), tf.tensor3d(Vin)];
  layer.apply(inputs, kwargs);
  layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 200 + i)));
  const outWidth = (layer.apply(inputs, kwargs) as tf.Tensor).shape[2] as number;
  const C = randMatrix(rng, L, outWidth);
  const loss = (out: Mat[]): number => out[0]!.reduce((s, row, l) => s + row.reduce((a, v, j) => a + v * C[l]![j]!, 0), 0);

  // tfjs: gradients w.r.t. every weight and the three inputs
  const vars = layer.trainableWeights.map((w) => w.read() as tf.Variable);
  const f = (): tf.Scalar => tf.sum(tf.mul(layer.apply(inputs, kwargs) as tf.Tensor, tf.tensor3d([C]))) as tf.Scalar;
  const { grads } = tf.variableGrads(f, vars);
  const inputGrads = tf.grads((k: tf.Tensor, q: tf.Tensor, v: tf.Tensor) =>
    tf.sum(tf.mul(layer.apply([k, q, v], kwargs) as tf.Tensor, tf.tensor3d([C]))),
  )(inputs);

  // float64 finite differences of the reference
  const store = new Map(layer.trainableWeights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
  const weights: Weights = (suffix) => [...store.entries()].find(([n]) => n.endsWith(suffix))?.[1] ?? null;
  for (const [name, vals] of store) {
    const fd = finiteDiff(
      (x) => {
        store.set(name, x);
        const r = loss(referenceHopfield(ref, weights, K, Q, Vin, mask).output);
        store.set(name, vals);
        return r;
      },
      vals,
      1e-6,
    );
    const v = vars.find((x) => x.name === (layer.trainableWeights.find((w) => w.originalName === name)!.read() as tf.Variable).name)!;
    expectClose(values(grads[v.name]!), fd, { abs: 2e-3, rel: 2e-2 }, `d/d ${name}`);
  }
  const fdInput = (which: 0 | 1 | 2): number[] => {
    const arrays = [K, Q, Vin];
    const base = arrays[which]![0]!;
    const width = base[0]!.length;
    return finiteDiff(
      (x) => {
        const m = Array.from({ length: base.length }, (_, i) => x.slice(i * width, (i + 1) * width));
        const args3 = arrays.map((a, i) => (i === which ? [m] : a)) as [Mat[], Mat[], Mat[]];
        return loss(referenceHopfield(ref, weights, ...args3, mask).output);
      },
      base.flat(),
      1e-6,
    );
  };
  ['keys', 'queries', 'values'].forEach((what, i) =>
    expectClose(values(inputGrads[i]!), fdInput(i as 0 | 1 | 2), { abs: 2e-3, rel: 2e-2 }, `d/d ${what}`),
  );
}

describe('Hopfield layer gradients match finite differences of the float64 formula', () => {
  it('two heads, all norms with affine, Hopfield-space norm, bias and zero patterns, masks, tanh', () => {
    const args: HopfieldArgs = {
      numHeads: 2,
      hiddenSize: 2,
      patternSize: 3,
      outputSize: 3,
      scaling: [0.8, 1.5],
      normalizeHopfieldSpace: true,
      normalizeHopfieldSpaceAffine: true,
      concatBiasPattern: true,
      addZeroAssociation: true,
      associationActivation: 'tanh',
    };
    const ref = referenceDefaults(2, {
      heads: 2,
      pattern: 3,
      beta: [0.8, 1.5],
      normHopfield: ln(),
      biasPattern: true,
      zeroAssociation: true,
      activation: 'tanh',
    });
    const padding = [[1, 1, 0, 1]];
    const kwargs = { storedPatternPaddingMask: tf.tensor2d(padding) };
    checkGradients(new Hopfield(args), ref, new SeededRandom(1), { k: 3, q: 4, v: 2 }, (b, _h, _l, s) => padding[b]![s]!, kwargs);
  });

  it('iterated retrieval: gradients flow through two state updates', () => {
    const args: HopfieldArgs = { numHeads: 1, scaling: 2, updateStepsMax: 2, updateStepsEps: 1e-12, normalizeStoredPattern: false };
    const ref = referenceDefaults(3, { beta: [2], updateStepsMax: 2, updateStepsEps: 1e-12, normStored: null });
    checkGradients(new Hopfield(args), ref, new SeededRandom(2), { k: 3, q: 3, v: 3 }, null, {});
  });
});

describe('wrapper layers', () => {
  it('HopfieldPooling and HopfieldLayer gradients reach their learned patterns (finite differences of the layer itself in float32)', () => {
    const rng = new SeededRandom(3);
    for (const layer of [new HopfieldPooling({ quantity: 2 }), new HopfieldLayer({ quantity: 3 })]) {
      const x = tf.tensor3d([randMatrix(rng, 4, 3)]);
      layer.apply(x);
      layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.5, 'float32', 300 + i)));
      const learned = layer.trainableWeights.find((w) => /state_patterns|lookup_weights/.test(w.originalName))!;
      const variable = learned.read() as tf.Variable;
      const C = tf.randomNormal((layer.apply(x) as tf.Tensor).shape, 0, 1, 'float32', 7);
      const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, C)) as tf.Scalar, [variable]);
      const base = Array.from(variable.dataSync());
      const fd = finiteDiff(
        (v) => {
          variable.assign(tf.tensor(v, variable.shape));
          return tf.tidy(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, C)).dataSync()[0]!);
        },
        base,
        1e-2,
      );
      variable.assign(tf.tensor(base, variable.shape));
      expectClose(values(grads[variable.name]!), fd, { abs: 3e-3, rel: 3e-2 }, layer.getClassName());
    }
  });
});
