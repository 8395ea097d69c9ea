// Every model of the registry frees everything it made when disposed: weights, recorded maps and
// the constant tensors it keeps (position tables, initial memories), after forward passes in
// both modes and a training step.
import * as tf from '@tensorflow/tfjs-core';
import { AdamW } from '@ait/core';
import { describe, expect, it } from 'vitest';
import { createModel } from '../../src/index';
import { imageBatch, presetInput, TINY_PRESETS } from '../helpers/model-checks';
import { useBackend } from '../helpers/backend';
import { crossEntropyStep } from '../helpers/train-step';

useBackend('cpu');

describe('dispose', () => {
  it.each(TINY_PRESETS)('%s (maps recorded) leaves no tensor behind', async (name) => {
    const { size, channels, classes } = presetInput(name);
    const { x, y } = imageBatch(2, size, channels, classes, 5);
    const before = tf.memory().numTensors;
    const model = createModel(name, { recordMaps: true });
    const optimizer = new AdamW({ learningRate: 1e-3 });
    (model.apply(x, { training: false }) as tf.Tensor).dispose();
    await crossEntropyStep(model, optimizer, { x, y });
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
