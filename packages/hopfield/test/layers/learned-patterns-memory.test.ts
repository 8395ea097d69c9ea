// HopfieldLayer and HopfieldPooling (both LearnedPatternsHopfield) leave nothing behind: every
// call and inspection method frees the tiled learned patterns it makes, with stored associations
// and mask inputs on, and the layers free their stored associations when disposed.
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, setGlobalSeed } from '@ait/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { HopfieldLayer, HopfieldPooling, type LearnedPatternsHopfield } from '../../src/index';
import { expectNoLeak } from '@ait/core/testing';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  setGlobalSeed(5);
});

const x = (): tf.Tensor => tf.randomNormal([2, 3, 8], 0, 1, 'float32', 9);

/** Runs every method of `layer` on `inputs`, disposing what each returns. */
function everyMethod(layer: LearnedPatternsHopfield, inputs: tf.Tensor[]): void {
  tf.dispose(layer.apply(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs) as tf.Tensor | tf.Tensor[]);
  layer.getAssociationMatrix(inputs).dispose();
  layer.getProjectedPatternMatrix(inputs).dispose();
  layer.energy(inputs).dispose();
  layer.retrieve(inputs, { updateStepsMax: 2 }).dispose();
}

describe.each([
  [
    'HopfieldLayer (separate targets)',
    () =>
      new HopfieldLayer({ quantity: 4, numHeads: 2, lookupWeightsAsSeparated: true, storeAssociations: true, returnAssociations: true }),
  ],
  ['HopfieldLayer', () => new HopfieldLayer({ quantity: 4, numHeads: 2, storeAssociations: true })],
  ['HopfieldPooling', () => new HopfieldPooling({ quantity: 2, numHeads: 2, storeAssociations: true, returnAssociations: true })],
  ['HopfieldPooling (not flattened)', () => new HopfieldPooling({ quantity: 2, numHeads: 2, flattenOutput: false })],
] as const)('%s', (_label, make) => {
  it('leaks no tensor per call or inspection, and frees everything on dispose', async () => {
    const input = x();
    const before = tf.memory().numTensors;
    const layer = make();
    everyMethod(layer, [input]); // builds, creates the weights and stores associations
    await expectNoLeak(() => everyMethod(layer, [input]), 'second round');
    layer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    input.dispose();
  });
});

it('HopfieldPooling with stored patterns and a separate pattern projection leaks nothing', async () => {
  const k = x();
  const v = tf.randomNormal([2, 3, 6]);
  const layer = new HopfieldPooling({ quantity: 2, numHeads: 2 });
  everyMethod(layer, [k, v]);
  await expectNoLeak(() => everyMethod(layer, [k, v]));
  layer.dispose();
  tf.dispose([k, v]);
});
