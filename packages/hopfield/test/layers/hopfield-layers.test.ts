import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { input, layers as tfLayers, model, sequential, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { ConfigError, Dense, initBackend, SeededRandom, setGlobalSeed } from '@ait/core';
import { Hopfield, HOPFIELD_LAYER_CLASSES, HopfieldLayer, HopfieldPooling, modernHopfieldEnergy } from '../../src/index';
import { PLAIN_RETRIEVAL } from './hopfield-reference';
import { expectClose, expectConfigRoundTrip, expectModelRoundTrip, expectNoLeak, randMatrix, values } from '@ait/core/testing';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  setGlobalSeed(13);
});

describe('serialisation round trips', () => {
  it('registers every layer under an AitHopfield name', () => {
    const names = HOPFIELD_LAYER_CLASSES.map((c) => c.className);
    expect(names).toEqual(['AitHopfield', 'AitHopfieldPooling', 'AitHopfieldLayer']);
    const registered = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const n of names) expect(registered[n], n).toBeDefined();
  });

  it('Hopfield (self-association) inside a tf.sequential with per-head scaling, updates and every pattern option', async () => {
    const layer = new Hopfield({
      inputShape: [5, 4],
      numHeads: 2,
      scaling: [0.5, 1.5],
      updateStepsMax: 2,
      updateStepsEps: [1e-6, 1e-3],
      normalizeHopfieldSpace: true,
      normalizeHopfieldSpaceAffine: true,
      concatBiasPattern: true,
      addZeroAssociation: true,
      associationActivation: 'gelu',
      dropout: 0.1,
    });
    const m = sequential({ layers: [layer, new Dense({ units: 3 })] });
    await expectModelRoundTrip(m, tf.randomNormal([2, 5, 4], 0, 1, 'float32', 1));
    expectConfigRoundTrip(layer);
  });

  it('Hopfield in a functional model with three inputs, two mask inputs and the association matrix as an output', async () => {
    const k = input({ shape: [6, 5] });
    const q = input({ shape: [3, 4] });
    const v = input({ shape: [6, 2] });
    const pad = input({ shape: [6] });
    const am = input({ shape: [3, 6] });
    const layer = new Hopfield({
      name: 'assoc',
      hiddenSize: 3,
      outputSize: 7,
      storedPatternPaddingMaskInput: true,
      associationMaskInput: true,
      returnAssociations: true,
      updateStepsMax: null,
    });
    const outs = layer.apply([k, q, v, pad, am]) as SymbolicTensor[];
    expect(outs.map((o) => o.shape)).toEqual([
      [null, 3, 7],
      [null, 1, 3, 6],
    ]);
    const m = model({ inputs: [k, q, v, pad, am], outputs: outs });
    const padding = tf.tensor2d([1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1, 1], [2, 6]);
    const mask = tf.tensor3d(
      Array.from({ length: 36 }, (_, i) => (i % 5 === 0 ? 0 : 1)),
      [2, 3, 6],
    );
    const data = [
      tf.randomNormal([2, 6, 5], 0, 1, 'float32', 2),
      tf.randomNormal([2, 3, 4], 0, 1, 'float32', 3),
      tf.randomNormal([2, 6, 2], 0, 1, 'float32', 4),
    ];
    const loaded = await expectModelRoundTrip(m, [...data, padding, mask]);
    const [, assoc] = loaded.predict([...data, padding, mask]) as tf.Tensor[];
    const a = assoc!.arraySync() as number[][][][];
    expect(a[0]![0]![0]![3]).toBe(0); // padding
    expect(a[0]![0]![0]![0]).toBe(0); // association mask entry 0
    expectClose(
      a.flat(2).map((row) => row.reduce((x, y) => x + y, 0)),
      new Array<number>(6).fill(1),
      { abs: 1e-5 },
      'rows sum to 1',
    );
    expectConfigRoundTrip(layer);
  });

  it('HopfieldPooling then Dense in a tf.sequential, including a frozen state pattern', async () => {
    const layer = new HopfieldPooling({ inputShape: [7, 4], quantity: 2, numHeads: 2, statePatternTrainable: false });
    const m = sequential({ layers: [layer, new Dense({ units: 3 })] });
    expect(layer.trainableWeights.some((w) => w.originalName.endsWith('state_patterns'))).toBe(false);
    expect(layer.nonTrainableWeights.some((w) => w.originalName.endsWith('state_patterns'))).toBe(true);
    await expectModelRoundTrip(m, tf.randomNormal([3, 7, 4], 0, 1, 'float32', 5));
    expectConfigRoundTrip(layer);
  });

  it('HopfieldLayer with separate, frozen targets in a tf.sequential', async () => {
    const layer = new HopfieldLayer({
      inputShape: [3, 4],
      quantity: 6,
      lookupWeightsAsSeparated: true,
      lookupTargetsAsTrainable: false,
      storedPatternAsStatic: true,
      hiddenSize: 4,
      normalizeStoredPattern: false,
    });
    const m = sequential({ layers: [layer] });
    await expectModelRoundTrip(m, tf.randomNormal([2, 3, 4], 0, 1, 'float32', 6));
    expectConfigRoundTrip(layer);
  });
});

describe('options, inspection and errors', () => {
  it('associations on request: returned, stored, fetched; rows sum to 1 and match the layer output', () => {
    const rng = new SeededRandom(1);
    const x = tf.tensor3d([randMatrix(rng, 4, 4), randMatrix(rng, 4, 4)]);
    const layer = new Hopfield({ numHeads: 2, storeAssociations: true, disableOutProjection: true });
    const out = layer.apply(x) as tf.Tensor;
    const stored = layer.lastAssociations!;
    expect(stored.shape).toEqual([2, 2, 4, 4]);
    const fetched = layer.getAssociationMatrix(x);
    expectClose(values(fetched), values(stored), { abs: 1e-6 });
    const v = layer.getProjectedPatternMatrix(x);
    expect(v.shape).toEqual([2, 2, 4, 2]);
    // output = concat_h(xi_h V_h) without output projection
    const manual = tf.reshape(tf.transpose(tf.matMul(fetched, v), [0, 2, 1, 3]), [2, 4, 4]);
    expectClose(values(out), values(manual), { abs: 1e-5 });
    const pooling = new HopfieldPooling({ quantity: 3, storeAssociations: true });
    pooling.apply(x);
    expect(pooling.lastAssociations!.shape).toEqual([2, 1, 3, 4]);
    expectClose(values(pooling.getAssociationMatrix(x)), values(pooling.lastAssociations!), { abs: 1e-6 });
    const lookup = new HopfieldLayer({ quantity: 5, addZeroAssociation: true, storeAssociations: true });
    lookup.apply(x);
    expect(lookup.getAssociationMatrix(x).shape).toEqual([2, 1, 4, 6]);
    expect(lookup.lastAssociations!.shape).toEqual([2, 1, 4, 6]);
  });

  it('association dropout acts only while training, reproducibly from the global seed', () => {
    const rng = new SeededRandom(9);
    const x = tf.tensor3d([randMatrix(rng, 6, 4)]);
    const layer = new Hopfield({ dropout: 0.5 });
    const inference = values(layer.apply(x) as tf.Tensor);
    expectClose(values(layer.apply(x, { training: false }) as tf.Tensor), inference, { abs: 0 });
    setGlobalSeed(3);
    const a = values(layer.apply(x, { training: true }) as tf.Tensor);
    setGlobalSeed(3);
    const b = values(layer.apply(x, { training: true }) as tf.Tensor);
    expect(a).toEqual(b);
    expect(a.some((v, i) => Math.abs(v - inference[i]!) > 1e-4)).toBe(true);
  });

  it('named inputs {keys, queries, values} give the same result as positional inputs', () => {
    const rng = new SeededRandom(2);
    const k = tf.tensor3d([randMatrix(rng, 5, 3)]);
    const q = tf.tensor3d([randMatrix(rng, 2, 4)]);
    const v = tf.tensor3d([randMatrix(rng, 5, 6)]);
    const layer = new Hopfield({ hiddenSize: 2 });
    const positional = layer.apply([k, q, v]) as tf.Tensor;
    const named = layer.associate({ keys: k, queries: q, values: v });
    expectClose(values(named.output), values(positional), { abs: 1e-6 });
    named.dispose();
  });

  it('retrieval from a trained layer: the per-head energy never increases along the updates and equals the formula', () => {
    const rng = new SeededRandom(3);
    const x = tf.tensor3d([randMatrix(rng, 6, 4), randMatrix(rng, 6, 4)]);
    const layer = new HopfieldLayer({ quantity: 8, numHeads: 2, scaling: [2, 4], updateStepsMax: 0 });
    layer.apply(x);
    layer.setWeights(layer.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, 1, 'float32', 400 + i)));
    const r = layer.retrieve(x, { updateStepsMax: 6, updateStepsEps: 1e-7 });
    expect(r.steps).toBeGreaterThan(1);
    const e = r.energies!.arraySync() as number[][][][];
    for (let t = 1; t < e.length; t++) {
      e[t]!.flat(2).forEach((val, i) => expect(val, `step ${t}`).toBeLessThanOrEqual(e[t - 1]!.flat(2)[i]! + 1e-4));
    }
    // energy() is row 0: the modern Hopfield energy of each projected state under the projected stored patterns
    const e0 = layer.energy(x);
    expectClose(values(e0), e[0]!.flat(2), { abs: 1e-5 });
    r.dispose();
  });

  it('energy() of a fully static layer is the modern Hopfield energy of the queries under the keys', () => {
    const rng = new SeededRandom(6);
    const K = tf.tensor3d([randMatrix(rng, 5, 3), randMatrix(rng, 5, 3)]);
    const Q = tf.tensor3d([randMatrix(rng, 2, 3), randMatrix(rng, 2, 3)]);
    const layer = new Hopfield({ ...PLAIN_RETRIEVAL, scaling: 1.7 });
    const e = layer.energy({ keys: K, queries: Q });
    expect(e.shape).toEqual([2, 1, 2]);
    expectClose(values(e), values(modernHopfieldEnergy(Q, K, 1.7)), { abs: 1e-5 });
    // and its output is one modern Hopfield update of the queries
    const out = layer.associate({ keys: K, queries: Q });
    const expected = tf.matMul(tf.softmax(tf.mul(tf.matMul(Q, K, false, true), 1.7)), K);
    expectClose(values(out.output), values(expected), { abs: 1e-5 });
  });

  it('the layer trains inside tf.sequential with model.fit (pooling a set to its class)', async () => {
    const rng = new SeededRandom(4);
    // class 1 bags contain a vector near (3, 3, 3, 3); class 0 bags do not
    const bags: number[][][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 32; i++) {
      const bag = randMatrix(rng, 5, 4, 0.5);
      const cls = i % 2;
      if (cls) bag[rng.nextInt(5)] = [3, 3, 3, 3].map((v) => v + 0.3 * rng.normal());
      bags.push(bag);
      labels.push(cls);
    }
    const m = sequential({
      layers: [
        new HopfieldPooling({ inputShape: [5, 4], hiddenSize: 4, scaling: 2, normalizeStoredPattern: false }),
        new Dense({ units: 2 }),
      ],
    });
    m.compile({ optimizer: tf.train.adam(0.05), loss: 'sparseCategoricalCrossentropy' });
    const hist = await m.fit(tf.tensor3d(bags), tf.tensor1d(labels), { epochs: 25, batchSize: 32, verbose: 0 });
    const losses = hist.history.loss as number[];
    expect(losses[losses.length - 1]!).toBeLessThan(0.5 * losses[0]!);
  });

  it('bad options and inputs throw errors that name the problem and the fix', () => {
    expect(() => new Hopfield({ numHeads: 0 })).toThrow(ConfigError);
    expect(() => new Hopfield({ scalling: 1 } as never)).toThrow(/scalling/);
    expect(() => new Hopfield({ numHeads: 3 }).apply(tf.zeros([1, 2, 4]))).toThrow(/not divisible by numHeads = 3; set hiddenSize/);
    expect(() => new Hopfield({ numHeads: 2, scaling: [1, 2, 3] }).apply(tf.zeros([1, 2, 4]))).toThrow(
      /scaling has 3 entries but numHeads is 2/,
    );
    expect(() => new Hopfield({ disableOutProjection: true, outputSize: 9 }).apply(tf.zeros([1, 2, 4]))).toThrow(/disableOutProjection/);
    expect(() =>
      new Hopfield({ storedPatternAsStatic: true, hiddenSize: 2 }).apply([tf.zeros([1, 2, 3]), tf.zeros([1, 2, 4]), tf.zeros([1, 2, 4])]),
    ).toThrow(/static stored patterns must have width hiddenSize = 2/);
    expect(() => new Hopfield({ patternProjectionAsConnected: true, patternSize: 3 }).apply(tf.zeros([1, 2, 4]))).toThrow(/patternSize/);
    expect(() => new Hopfield().apply([tf.zeros([1, 2, 4]), tf.zeros([1, 2, 4])])).toThrow(
      /expects x or \[storedPatterns, statePatterns, patternProjection\]/,
    );
    const layer = new Hopfield();
    layer.apply(tf.zeros([1, 2, 4]));
    expect(() => layer.apply(tf.zeros([1, 2, 5]))).toThrow(/width 4/);
    expect(() => layer.apply(tf.zeros([1, 3, 4]), { storedPatternPaddingMask: tf.ones([1, 2]) })).toThrow(
      /storedPatternPaddingMask must have shape \[1, 3\]/,
    );
    expect(() => layer.apply(tf.zeros([1, 3, 4]), { associationMask: tf.ones([2, 2]) })).toThrow(/associationMask of shape \[2, 2\]/);
    expect(() => new HopfieldLayer({ quantity: 0 })).toThrow(/quantity/);
  });

  it('the learned-pattern layers count their data inputs before the mask inputs, symbolically and eagerly', () => {
    const x = tf.zeros([1, 3, 4]);
    expect(() => new HopfieldLayer().apply([x, x])).toThrow(/HopfieldLayer '.*': expects the state patterns x, got 2 inputs/);
    expect(() => new HopfieldPooling().apply([x, x, x])).toThrow(/expects x or \[storedPatterns, patternProjection\], got 3 inputs/);
    expect(() => new HopfieldPooling({ associationMaskInput: true }).apply(x)).toThrow(
      /expects x or \[storedPatterns, patternProjection\] followed by 1 mask input\(s\), got 1 inputs/,
    );
    expect(() => new HopfieldLayer().apply(input({ shape: [3, 4] }))).not.toThrow();
    expect(() => new HopfieldLayer().apply([input({ shape: [3, 4] }), input({ shape: [3, 4] })])).toThrow(/expects the state patterns x/);
    const pooling = new HopfieldPooling({ quantity: 2, storedPatternPaddingMaskInput: true });
    const out = pooling.apply([x, tf.ones([1, 3])]) as tf.Tensor;
    expect(out.shape).toEqual([1, 8]);
    expect(() => pooling.getAssociationMatrix([x, x, tf.ones([1, 3]), tf.ones([1, 3])])).toThrow(/got 4 inputs/);
    tf.dispose([x, out]);
  });

  it('an affine flag without its normalisation is accepted and unused (no assertion as in the reference)', () => {
    const layer = new Hopfield({
      normalizeStoredPattern: false,
      normalizeStoredPatternAffine: true,
      normalizeStatePattern: false,
      normalizePatternProjection: false,
    });
    layer.apply(tf.zeros([1, 2, 4]));
    expect(layer.weights.some((w) => w.originalName.includes('norm_'))).toBe(false);
  });

  it('works under tfjs layers next to built-in layers and does not leak tensors', async () => {
    const rng = new SeededRandom(5);
    const x = tf.tensor3d([randMatrix(rng, 4, 6)]);
    const layers = [
      new Hopfield({ numHeads: 3, updateStepsMax: 3, concatBiasPattern: true, addZeroAssociation: true, storeAssociations: true }),
      new HopfieldPooling({ quantity: 2, returnAssociations: true }),
      new HopfieldLayer({ quantity: 4, lookupWeightsAsSeparated: true }),
    ];
    const m = sequential({ layers: [tfLayers.dense({ units: 6, inputShape: [4, 6] }), layers[0]!] });
    for (const layer of layers) layer.apply(x);
    await expectNoLeak(() => {
      tf.dispose(m.predict(x) as tf.Tensor);
      for (const layer of layers) {
        tf.dispose(layer.apply(x, { training: true }) as tf.Tensor[]);
        tf.dispose(layer.getAssociationMatrix(x));
        tf.dispose(layer.getProjectedPatternMatrix(x));
        layer.retrieve(x, { updateStepsMax: 2 }).dispose();
        tf.dispose(layer.energy(x));
      }
      const g = tf.variableGrads(() => tf.sum(layers[2]!.apply(x) as tf.Tensor) as tf.Scalar);
      tf.dispose([g.value, ...Object.values(g.grads)]);
    });
  });
});
