import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, SeededRandom, setGlobalSeed } from '@ait/core';
import { ASSOCIATION_ACTIVATIONS, Hopfield, HopfieldLayer, HopfieldPooling, type HopfieldArgs } from '../../src/index';
import { expectClose, gelu64, randMatrix, values } from '@ait/core/testing';
import { ln, PLAIN_RETRIEVAL, referenceDefaults, referenceHopfield, weightsOf, type Mat, type RefOptions } from './hopfield-reference';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  setGlobalSeed(11);
});

interface Case {
  name: string;
  args: HopfieldArgs;
  widths: { k: number; q: number; v: number };
  ref: RefOptions;
  masks?: 'padding and [L, S]' | '[batch, L, S]' | '[batch, heads, L, S]';
  tol?: number;
}

const cases: Case[] = [
  { name: 'defaults (layer norms, projections, output projection)', args: {}, widths: { k: 4, q: 4, v: 4 }, ref: referenceDefaults(4) },
  {
    name: 'two heads, hidden/pattern/output sizes, per-head scaling on its own head',
    args: { numHeads: 2, hiddenSize: 3, patternSize: 2, outputSize: 5, scaling: [0.5, 2] },
    widths: { k: 5, q: 4, v: 3 },
    ref: referenceDefaults(3, { heads: 2, pattern: 2, beta: [0.5, 2] }),
  },
  {
    name: 'norms off / without affine / other eps',
    args: {
      normalizeStoredPattern: false,
      normalizeStatePatternAffine: false,
      normalizeStatePatternEps: 1e-2,
      normalizePatternProjectionEps: 0.3,
    },
    widths: { k: 4, q: 4, v: 4 },
    ref: referenceDefaults(4, { normStored: null, normState: ln(1e-2, false), normProjection: ln(0.3) }),
  },
  {
    name: 'layer norm in the Hopfield space with affine and eps',
    args: { numHeads: 2, normalizeHopfieldSpace: true, normalizeHopfieldSpaceAffine: true, normalizeHopfieldSpaceEps: 1e-3 },
    widths: { k: 4, q: 4, v: 4 },
    ref: referenceDefaults(2, { heads: 2, beta: [1 / Math.sqrt(2), 1 / Math.sqrt(2)], normHopfield: ln(1e-3) }),
  },
  {
    name: 'layer norm in the Hopfield space without affine (the affine flag alone is ignored elsewhere)',
    args: { normalizeHopfieldSpace: true, normalizeStoredPattern: false, normalizeStoredPatternAffine: true },
    widths: { k: 3, q: 3, v: 3 },
    ref: referenceDefaults(3, { normHopfield: ln(1e-5, false), normStored: null }),
  },
  {
    name: 'all static, no output projection: plain modern Hopfield retrieval with beta 1',
    args: PLAIN_RETRIEVAL,
    widths: { k: 3, q: 3, v: 3 },
    ref: referenceDefaults(3, {
      beta: [1],
      storedStatic: true,
      stateStatic: true,
      projectionStatic: true,
      outProjection: false,
      normStored: null,
      normState: null,
      normProjection: null,
    }),
  },
  {
    name: 'static stored patterns with two heads',
    args: { numHeads: 2, hiddenSize: 3, storedPatternAsStatic: true },
    widths: { k: 3, q: 4, v: 5 },
    ref: referenceDefaults(3, { heads: 2, beta: [1 / Math.sqrt(3), 1 / Math.sqrt(3)], storedStatic: true }),
  },
  {
    name: 'pattern projection connected to the stored-pattern projection',
    args: { patternProjectionAsConnected: true },
    widths: { k: 4, q: 4, v: 4 },
    ref: referenceDefaults(4, { connected: true }),
  },
  {
    name: 'bias pattern and zero association (the bias pattern takes effect)',
    args: { numHeads: 2, concatBiasPattern: true, addZeroAssociation: true },
    widths: { k: 4, q: 4, v: 4 },
    ref: referenceDefaults(2, { heads: 2, beta: [1 / Math.sqrt(2), 1 / Math.sqrt(2)], biasPattern: true, zeroAssociation: true }),
  },
  {
    name: 'no input bias, tanh association activation',
    args: { inputBias: false, associationActivation: 'tanh' },
    widths: { k: 4, q: 4, v: 4 },
    ref: referenceDefaults(4, { inputBias: false, activation: 'tanh' }),
  },
  {
    name: 'state updates: three steps, per-head eps (the second head stops after one)',
    args: { numHeads: 2, scaling: 3, updateStepsMax: 3, updateStepsEps: [1e-12, 1e3] },
    widths: { k: 4, q: 4, v: 4 },
    ref: referenceDefaults(2, { heads: 2, beta: [3, 3], updateStepsMax: 3, updateStepsEps: [1e-12, 1e3] }),
    tol: 1e-4,
  },
  {
    name: 'masks: stored-pattern padding and an association mask',
    args: { numHeads: 2, disableOutProjection: true },
    widths: { k: 4, q: 4, v: 4 },
    ref: referenceDefaults(2, { heads: 2, beta: [1 / Math.sqrt(2), 1 / Math.sqrt(2)], outProjection: false }),
    masks: 'padding and [L, S]',
  },
  {
    name: 'per-batch association mask [batch, L, S] with bias and zero patterns (always allowed)',
    args: { numHeads: 2, concatBiasPattern: true, addZeroAssociation: true },
    widths: { k: 4, q: 4, v: 4 },
    ref: referenceDefaults(2, { heads: 2, beta: [1 / Math.sqrt(2), 1 / Math.sqrt(2)], biasPattern: true, zeroAssociation: true }),
    masks: '[batch, L, S]',
  },
  {
    name: 'per-head association mask [batch, heads, L, S] with state updates',
    args: { numHeads: 2, updateStepsMax: 2, updateStepsEps: 1e-12, scaling: 2 },
    widths: { k: 4, q: 4, v: 4 },
    ref: referenceDefaults(2, { heads: 2, beta: [2, 2], updateStepsMax: 2, updateStepsEps: 1e-12 }),
    masks: '[batch, heads, L, S]',
    tol: 1e-4,
  },
];

/** A fixed pseudo-random 0/1 pattern with some fully blocked rows. */
const bit = (b: number, h: number, l: number, s: number): number =>
  l === 2 && b === 1 ? 0 : (b * 7 + h * 5 + l * 3 + s * 11) % 4 === 0 ? 0 : 1;

describe('Hopfield layer output equals a float64 computation of the formula', () => {
  for (const c of cases) {
    it(c.name, () => {
      const rng = new SeededRandom(c.name.length);
      const batch = 2;
      const S = 5;
      const L = 3;
      const K: Mat[] = [randMatrix(rng, S, c.widths.k), randMatrix(rng, S, c.widths.k)];
      const Q: Mat[] = [randMatrix(rng, L, c.widths.q), randMatrix(rng, L, c.widths.q)];
      const Vin: Mat[] = [randMatrix(rng, S, c.widths.v), randMatrix(rng, S, c.widths.v)];
      const layer = new Hopfield({ ...c.args, returnAssociations: true });
      const inputs = [tf.tensor3d(K), tf.tensor3d(Q), tf.tensor3d(Vin)];
      layer.apply(inputs);
      layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.6, 'float32', 50 + i)));
      const padding = [
        [1, 1, 0, 1, 1],
        [1, 0, 1, 1, 0],
      ];
      const assocMask = [
        [1, 1, 1, 1, 1],
        [0, 1, 1, 0, 1],
        [0, 0, 0, 0, 0],
      ];
      const heads = c.ref.heads;
      let kwargs: Record<string, tf.Tensor> = {};
      let maskFn: ((b: number, h: number, l: number, s: number) => number) | null = null;
      if (c.masks === 'padding and [L, S]') {
        kwargs = { storedPatternPaddingMask: tf.tensor2d(padding), associationMask: tf.tensor2d(assocMask) };
        maskFn = (b, _h, l, s) => padding[b]![s]! * assocMask[l]![s]!;
      } else if (c.masks === '[batch, L, S]') {
        const m = [0, 1].map((b) => [0, 1, 2].map((l) => [0, 1, 2, 3, 4].map((s) => bit(b, 0, l, s))));
        kwargs = { associationMask: tf.tensor3d(m) };
        maskFn = (b, _h, l, s) => m[b]![l]![s]!;
      } else if (c.masks === '[batch, heads, L, S]') {
        const m = [0, 1].map((b) =>
          Array.from({ length: heads }, (_, h) => [0, 1, 2].map((l) => [0, 1, 2, 3, 4].map((s) => bit(b, h, l, s)))),
        );
        kwargs = { associationMask: tf.tensor4d(m) };
        maskFn = (b, h, l, s) => m[b]![h]![l]![s]!;
      }
      const [out, assoc] = layer.apply(inputs, kwargs) as tf.Tensor[];
      const ref = referenceHopfield(c.ref, weightsOf(layer), K, Q, Vin, maskFn);
      const tol = c.tol ?? 2e-5;
      expect(out!.shape).toEqual([batch, L, ref.output[0]![0]!.length]);
      expectClose(values(out!), ref.output.flat(2), { abs: tol, rel: tol }, 'output');
      expectClose(values(assoc!), ref.associations.flat(3), { abs: tol, rel: tol }, 'associations');
      layer.dispose();
    });
  }

  it('every association activation is applied to the output', () => {
    const rng = new SeededRandom(31);
    const x = tf.tensor3d([randMatrix(rng, 4, 4)]);
    const plain = new Hopfield();
    const linear = plain.apply(x) as tf.Tensor;
    const f: Record<string, (v: number) => number> = {
      relu: (v) => Math.max(v, 0),
      gelu: (v) => gelu64(v),
      geluTanh: (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3))),
      tanh: Math.tanh,
      sigmoid: (v) => 1 / (1 + Math.exp(-v)),
      softplus: (v) => Math.log1p(Math.exp(v)),
      elu: (v) => (v > 0 ? v : Math.expm1(v)),
    };
    for (const activation of ASSOCIATION_ACTIVATIONS) {
      const layer = new Hopfield({ associationActivation: activation });
      layer.apply(x);
      layer.setWeights(plain.getWeights());
      expectClose(values(layer.apply(x) as tf.Tensor), values(linear).map(f[activation]!), { abs: 1e-5, rel: 1e-4 }, activation);
    }
  });

  it('default scaling is 1/sqrt(hiddenSize); the whole static execution defaults to 1', () => {
    const layer = new Hopfield({ numHeads: 4 });
    layer.apply(tf.zeros([1, 3, 8]));
    expect(layer.dimensions.beta).toEqual([1 / Math.sqrt(2), 1 / Math.sqrt(2), 1 / Math.sqrt(2), 1 / Math.sqrt(2)]);
    expect(layer.dimensions.output).toBe(8);
  });
});

describe('HopfieldPooling and HopfieldLayer feed their learned patterns to the same formula', () => {
  it('HopfieldPooling: learned state patterns against the input set, flattened output', () => {
    const rng = new SeededRandom(21);
    const X: Mat[] = [randMatrix(rng, 6, 4), randMatrix(rng, 6, 4)];
    const layer = new HopfieldPooling({ quantity: 2, numHeads: 2, returnAssociations: true });
    layer.apply(tf.tensor3d(X));
    layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.6, 'float32', 70 + i)));
    const [out, assoc] = layer.apply(tf.tensor3d(X)) as tf.Tensor[];
    const w = weightsOf(layer);
    const state = w('state_patterns')!;
    const Q = [0, 1].map(() => [state.slice(0, 4), state.slice(4, 8)]);
    const ref = referenceHopfield(referenceDefaults(2, { heads: 2, beta: [1 / Math.sqrt(2), 1 / Math.sqrt(2)] }), w, X, Q, X);
    expect(out!.shape).toEqual([2, 8]);
    expectClose(values(out!), ref.output.flat(2), { abs: 2e-5, rel: 2e-5 }, 'pooling output');
    expect(assoc!.shape).toEqual([2, 2, 2, 6]);
    expectClose(values(assoc!), ref.associations.flat(3), { abs: 2e-5 }, 'pooling associations');
    const unflat = new HopfieldPooling({ quantity: 3, flattenOutput: false, outputSize: 7 });
    expect((unflat.apply(tf.tensor3d(X)) as tf.Tensor).shape).toEqual([2, 3, 7]);
  });

  it('HopfieldLayer: learned stored patterns and separate targets looked up by the input', () => {
    const rng = new SeededRandom(22);
    const Q: Mat[] = [randMatrix(rng, 3, 4), randMatrix(rng, 3, 4)];
    const layer = new HopfieldLayer({ quantity: 5, lookupWeightsAsSeparated: true, outputSize: 3 });
    layer.apply(tf.tensor3d(Q));
    layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 0.6, 'float32', 90 + i)));
    const out = layer.apply(tf.tensor3d(Q)) as tf.Tensor;
    const w = weightsOf(layer);
    const rowsOf = (flat: number[]): Mat => Array.from({ length: 5 }, (_, i) => flat.slice(i * 4, i * 4 + 4));
    const K = rowsOf(w('lookup_weights')!);
    const T = rowsOf(w('lookup_targets')!);
    const ref = referenceHopfield(referenceDefaults(4), w, [K, K], Q, [T, T]);
    expect(out.shape).toEqual([2, 3, 3]);
    expectClose(values(out), ref.output.flat(2), { abs: 2e-5, rel: 2e-5 }, 'lookup output');
  });
});
