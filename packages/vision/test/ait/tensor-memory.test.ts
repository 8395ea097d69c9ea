import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, parameterRefs } from '@ait/core';
import { createModel } from '../../src/index';
import { useBackend } from '../helpers/backend';
import { crossEntropyStep } from '../helpers/train-step';

useBackend('cpu');

const cases: [string, string, Record<string, unknown>][] = [
  ['AiT reference', 'ait-tiny', {}],
  ['AiT per-sample, learned priors, maps', 'ait-tiny', { competition: 'sample', memory: 'learned', recordMaps: true }],
  [
    'AiT Hopfield projections, 2 steps, CLS head, positions',
    'ait-tiny',
    { hopfieldProjections: true, hopfieldSteps: 2, head: 'cls', positionEmbedding: 'learned', recordMaps: true },
  ],
  ['AiT no Hopfield, no self-attention, maps', 'ait-tiny', { ablation: { noHopfield: true, noSelfAttention: true }, recordMaps: true }],
  ['ViT with maps', 'vit-tiny', { recordMaps: true }],
  ['ViT flatten head', 'vit-tiny-flatten', {}],
];

describe('tensor memory', () => {
  it.each(cases)('%s: no tensors leak per forward pass or training step', async (_label, name, overrides) => {
    const model = createModel(name, { imageSize: 8, depth: 1, ...overrides });
    const x = tf.randomNormal([2, 8, 8, 3]);
    const y = tf.tensor1d([1, 2], 'int32');
    const optimizer = new AdamW({ learningRate: 1e-3 });
    (model.apply(x) as tf.Tensor).dispose();
    const params = parameterRefs(model);
    const step = async (i: number): Promise<void> => {
      await crossEntropyStep(model, optimizer, { x, y }, i, params);
      (model.apply(x, { training: false }) as tf.Tensor).dispose();
    };
    await step(0); // creates the optimiser moments and the maps
    const before = tf.memory().numTensors;
    await step(1);
    await step(2);
    expect(tf.memory().numTensors).toBe(before);
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  });
});
