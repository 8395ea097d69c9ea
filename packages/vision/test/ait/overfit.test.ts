import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setGlobalSeed } from '@ait/core';
import { createModel } from '../../src/index';
import { overfitBatch } from '../helpers/overfit';
import { useBackend } from '../helpers/backend';

useBackend('wasm');

// Random 16x16 images with random labels: the only way to 100 % is to memorise them.
describe('AiT can learn: it overfits a tiny batch to 100 % training accuracy', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['ait-tiny (reference: batch competition, EMA priors)', {}],
    ['ait-tiny, per-sample competition and learned priors', { competition: 'sample', memory: 'learned' }],
  ];
  it.each(cases)('%s', async (_name, overrides) => {
    setGlobalSeed(5);
    const model = createModel('ait-tiny', { imageSize: 16, ...overrides });
    const x = tf.randomNormal([8, 16, 16, 3], 0, 1, 'float32', 7);
    const y = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32');
    const t0 = performance.now();
    const { accuracy, steps, initialAccuracy } = await overfitBatch(model, x, y);
    console.log(`${_name}: ${steps} steps, ${(performance.now() - t0).toFixed(0)} ms`);
    expect(initialAccuracy).toBeLessThanOrEqual(0.5);
    expect(accuracy).toBe(1);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('the Sort-of-CLEVR question-token variant learns answers that depend on the question', async () => {
    setGlobalSeed(6);
    const model = createModel('ait-tiny', { imageSize: 16, questionDim: 18, classes: 4 });
    // 4 images x 2 questions each; the answer depends on both.
    const images = tf.randomNormal([4, 16, 16, 3], 0, 1, 'float32', 8);
    const x = tf.concat([images, images]);
    const q = tf.cast(
      tf.concat([tf.oneHot(tf.tensor1d([0, 0, 0, 0], 'int32'), 18), tf.oneHot(tf.tensor1d([5, 5, 5, 5], 'int32'), 18)]),
      'float32',
    );
    const y = tf.tensor1d([0, 1, 2, 3, 3, 2, 1, 0], 'int32');
    const { accuracy, initialAccuracy } = await overfitBatch(model, [x, q], y);
    expect(initialAccuracy).toBeLessThanOrEqual(0.5);
    expect(accuracy).toBe(1);
    tf.dispose([images, x, q, y]);
    model.dispose();
  });
});
