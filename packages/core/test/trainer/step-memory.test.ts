// estimateStepMemory: two small probes predict the peak tensor memory of a step at another batch
// size, and leave the model, the random stream and the tensor count as they were.
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { crossEntropy, estimateStepMemory, globalRng, setGlobalSeed } from '../../src/index';
import { buildTinyNet, weightValues } from './tiny-net';
import { useBackend } from '../../testing/index';

useBackend('cpu');

const batchOf = (n: number) => ({
  x: tf.randomNormal([n, 64]),
  y: tf.tensor1d(
    Array.from({ length: n }, (_, i) => i % 3),
    'int32',
  ),
});

it('predicts the peak memory of a step at batch 32 from batches of 1 and 2, changing nothing', async () => {
  setGlobalSeed(4);
  const net = buildTinyNet({ inputs: 64, hidden: 256, classes: 3, dropout: 0.2, auxCoef: 0.01 });
  const weights = weightValues(net);
  const rng = globalRng().getState();
  const tensors = tf.memory().numTensors;
  const estimate = await estimateStepMemory(net, batchOf, crossEntropy);
  expect(estimate.bytesPerExample).toBeGreaterThan(0);
  expect(estimate.fixedBytes).toBeGreaterThan(0);
  expect(weightValues(net)).toEqual(weights);
  expect(globalRng().getState()).toEqual(rng);
  expect(tf.memory().numTensors).toBe(tensors);

  // the measured peak of a real step's forward and backward pass at batch 32
  const batch = batchOf(32);
  const start = tf.memory().numBytes;
  const vars = net.trainableWeights.map((w) => w.read() as tf.Variable);
  const info = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => crossEntropy(net.apply(batch.x, { training: true }) as tf.Tensor, batch.y), vars);
    tf.dispose([value, ...Object.values(grads)]);
  });
  const measured = info.peakBytes - start;
  expect(estimate.bytesFor(32) / measured).toBeGreaterThan(0.8);
  expect(estimate.bytesFor(32) / measured).toBeLessThan(1.25);
  tf.dispose([batch.x, batch.y]);
  net.dispose();
});
