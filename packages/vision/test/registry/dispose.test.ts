// Every model of the registry frees everything it made when disposed: weights, recorded maps and
// the constant tensors it keeps (position tables, initial memories), after forward passes in
// both modes and a training step.
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, crossEntropy, initBackend, parameterRefs, trainStep } from '@ait/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createModel, listModels } from '../../src/index';
import { imageBatch, presetInput } from '../helpers/model-checks';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

// the smallest preset of each family (the larger CPU presets only repeat blocks)
const TINY_MODELS = listModels({ scale: 'cpu' })
  .map((m) => m.name)
  .filter((name) => /-tiny(-|$)/.test(name));

describe('dispose', () => {
  it.each(TINY_MODELS)('%s (maps recorded) leaves no tensor behind', async (name) => {
    const { size, channels, classes } = presetInput(name);
    const { x, y } = imageBatch(2, size, channels, classes, 5);
    const before = tf.memory().numTensors;
    const model = createModel(name, { recordMaps: true });
    const optimizer = new AdamW({ learningRate: 1e-3 });
    (model.apply(x, { training: false }) as tf.Tensor).dispose();
    await trainStep({
      model,
      params: parameterRefs(model),
      optimizer,
      batch: { x, y },
      loss: (o, t) => crossEntropy(o, t),
      epoch: 0,
      step: 0,
      stepInEpoch: 0,
    });
    (model.apply(x, { training: false }) as tf.Tensor).dispose();
    optimizer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('a model that was built but never called disposes its weights too', () => {
    const before = tf.memory().numTensors;
    const model = createModel('ait-tiny', { recordMaps: true });
    const { size, channels } = presetInput('ait-tiny');
    model.build([null, size, size, channels]);
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
