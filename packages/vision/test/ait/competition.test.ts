import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setGlobalSeed } from '@ait/core';
import { AssociativeTransformer, type AssociativeTransformerArgs } from '../../src/index';
import { SMALL_AIT } from './small-config';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

const images = (seed: number, n: number): tf.Tensor4D => tf.randomNormal([n, 8, 8, 3], 0, 1, 'float32', seed);

/** Logits of image `probe` when it is predicted together with `others` (it comes first). */
function logitsOfProbe(model: AssociativeTransformer, probe: tf.Tensor4D, others: tf.Tensor4D | null): number[] {
  const batch = others ? tf.concat([probe, others]) : probe;
  const logits = model.apply(batch, { training: false }) as tf.Tensor;
  const row = Array.from(logits.dataSync().slice(0, 3));
  tf.dispose([logits, ...(others ? [batch] : [])]);
  return row;
}

const maxDiff = (a: number[], b: number[]): number => Math.max(...a.map((v, i) => Math.abs(v - (b[i] as number))));

function make(overrides: Partial<AssociativeTransformerArgs>): AssociativeTransformer {
  setGlobalSeed(8);
  // topK 3 of 4 tokens per image: in 'batch' mode the slots choose among all images' tokens.
  return new AssociativeTransformer({ ...SMALL_AIT, ...overrides });
}

describe('competition mode', () => {
  let probe: tf.Tensor4D;
  let crowdA: tf.Tensor4D;
  let crowdB: tf.Tensor4D;
  beforeAll(() => {
    probe = images(1, 1);
    crowdA = images(2, 5);
    crowdB = images(3, 2);
  });

  it("'sample': a prediction does not depend on the other images in the batch", () => {
    const model = make({ competition: 'sample', memoryUpdateInEval: false });
    const alone = logitsOfProbe(model, probe, null);
    const withA = logitsOfProbe(model, probe, crowdA);
    const withB = logitsOfProbe(model, probe, crowdB);
    expect(maxDiff(alone, withA)).toBeLessThan(1e-5);
    expect(maxDiff(alone, withB)).toBeLessThan(1e-5);
    model.dispose();
  });

  it("'sample' also holds within a pass that updates the memory (each image reads its own updated priors)", () => {
    const model = make({ competition: 'sample', memoryUpdateInEval: true });
    logitsOfProbe(model, probe, null); // build
    const saved = model.getWeights().map((w) => tf.clone(w));
    const alone = logitsOfProbe(model, probe, null);
    model.setWeights(saved);
    const withA = logitsOfProbe(model, probe, crowdA);
    expect(maxDiff(alone, withA)).toBeLessThan(1e-5);
    tf.dispose(saved);
    model.dispose();
  });

  it("'batch' (reference): the same image gets different logits in different company", () => {
    const model = make({ competition: 'batch', memoryUpdateInEval: false });
    const alone = logitsOfProbe(model, probe, null);
    const withA = logitsOfProbe(model, probe, crowdA);
    const withB = logitsOfProbe(model, probe, crowdB);
    expect(maxDiff(alone, withA)).toBeGreaterThan(1e-3);
    expect(maxDiff(withA, withB)).toBeGreaterThan(1e-3);
    // ... but it is deterministic for a fixed batch when the memory is not updated.
    expect(maxDiff(withA, logitsOfProbe(model, probe, crowdA))).toBe(0);
    model.dispose();
  });
});

describe('top-k bottleneck gates', () => {
  let x: tf.Tensor4D;
  beforeAll(() => {
    x = images(4, 3);
  });
  const rowsOf = (t: tf.Tensor): number[][] => {
    const cols = t.shape[t.rank - 1] as number;
    const data = Array.from(t.dataSync());
    return Array.from({ length: data.length / cols }, (_, r) => data.slice(r * cols, (r + 1) * cols));
  };

  for (const [mode, k, tokens] of [
    ['batch', 3, 12],
    ['sample', 3, 4],
    ['batch', 7, 12],
  ] as const) {
    it(`every slot's gate row sums to 1 over exactly k = ${k} of ${tokens} tokens (${mode})`, () => {
      const model = make({ competition: mode, topK: k, recordMaps: true });
      (model.apply(x) as tf.Tensor).dispose();
      const maps = model.internalMaps();
      const gate = maps['block0/gwl/gate'] as tf.Tensor;
      const selection = maps['block0/gwl/selection'] as tf.Tensor;
      expect(gate.shape).toEqual(mode === 'batch' ? [2, 4, tokens] : [3, 2, 4, tokens]);
      const selRows = rowsOf(selection);
      rowsOf(gate).forEach((row, r) => {
        expect(row.filter((v) => v > 0)).toHaveLength(k);
        expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        // The selection mask marks exactly the non-zero entries.
        expect(selRows[r]).toEqual(row.map((v) => (v > 0 ? 1 : 0)));
      });
      model.dispose();
    });
  }

  it('the noBottleneck ablation attends to every token', () => {
    const model = make({ topK: 3, recordMaps: true, ablation: { noBottleneck: true } });
    (model.apply(x) as tf.Tensor).dispose();
    for (const row of rowsOf(model.internalMaps()['block0/gwl/gate'] as tf.Tensor)) {
      expect(row.every((v) => v > 0)).toBe(true);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    model.dispose();
  });
});
