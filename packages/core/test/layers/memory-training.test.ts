import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { input, model, sequential } from '@tensorflow/tfjs-layers';
import {
  Dense,
  DropPath,
  Dropout,
  FeedForward,
  LayerNorm,
  LearnedPositionEmbedding,
  MultiHeadAttention,
  PatchEmbedding,
  setGlobalSeed,
  SinusoidalPositionEmbedding2d,
  TopKAttention,
  type AitLayer,
} from '../../src/index';
import { useBackend } from '../../testing/index';

useBackend('cpu', 5);

type Case = [string, () => AitLayer, () => tf.Tensor | tf.Tensor[]];

const cases: Case[] = [
  ['Dense', () => new Dense({ units: 3, activation: 'gelu' }), () => tf.ones([2, 3, 4])],
  ['LayerNorm', () => new LayerNorm(), () => tf.ones([2, 3, 4])],
  ['Dropout', () => new Dropout({ rate: 0.5 }), () => tf.ones([2, 3, 4])],
  ['DropPath', () => new DropPath({ rate: 0.5 }), () => tf.ones([2, 3, 4])],
  ['FeedForward', () => new FeedForward({ hiddenDim: 6, dropout: 0.2 }), () => tf.ones([2, 3, 4])],
  [
    'MultiHeadAttention',
    () =>
      new MultiHeadAttention({
        numHeads: 2,
        attentionDropout: 0.2,
        outputDropout: 0.2,
        storeAttentionWeights: true,
        returnAttentionWeights: true,
      }),
    () => tf.randomNormal([2, 3, 4]),
  ],
  [
    'MultiHeadAttention (cross, mask)',
    () => new MultiHeadAttention({ numHeads: 2, hasMaskInput: true }),
    () => [tf.randomNormal([2, 3, 4]), tf.randomNormal([2, 5, 6]), tf.ones([2, 5])],
  ],
  [
    'TopKAttention',
    () => new TopKAttention({ numHeads: 2, topK: 2, dropout: 0.1, storeGate: true, returnGate: true }),
    () => [tf.randomNormal([3, 4]), tf.randomNormal([2, 6, 5])],
  ],
  ['PatchEmbedding', () => new PatchEmbedding({ patchSize: 2, embedDim: 4 }), () => tf.randomNormal([2, 4, 4, 3])],
  ['LearnedPositionEmbedding', () => new LearnedPositionEmbedding({ maxTokens: 5 }), () => tf.ones([2, 3, 4])],
  ['SinusoidalPositionEmbedding2d', () => new SinusoidalPositionEmbedding2d({ gridHeight: 1, gridWidth: 3 }), () => tf.ones([2, 3, 4])],
];

describe('tensor memory', () => {
  it.each(cases)('%s leaks no tensors per call (forward, training forward, gradients)', (_name, make, makeInputs) => {
    const layer = make();
    const inputs = makeInputs();
    const run = (training: boolean): tf.Tensor[] => {
      const out = layer.apply(inputs, { training }) as tf.Tensor | tf.Tensor[];
      return Array.isArray(out) ? out : [out];
    };
    tf.dispose(run(true));
    const before = tf.memory().numTensors;
    for (const training of [false, true]) tf.dispose(run(training));
    expect(tf.memory().numTensors).toBe(before);
    if (layer.trainableWeights.length > 0) {
      const vars = layer.trainableWeights.map((w) => w.read()) as tf.Variable[];
      const step = (): void => {
        const { value, grads } = tf.variableGrads(() => tf.sum(run(true)[0] as tf.Tensor), vars);
        tf.dispose([value, ...Object.values(grads)]);
      };
      step();
      const beforeGrad = tf.memory().numTensors;
      step();
      expect(tf.memory().numTensors).toBe(beforeGrad);
    }
    layer.dispose();
  });
});

describe('training through tfjs-layers', () => {
  it('fits a small ViT-like model (patches, positions, attention, MLP, drop-path) and the loss drops', async () => {
    setGlobalSeed(1);
    const m = sequential({
      layers: [
        new PatchEmbedding({ patchSize: 2, embedDim: 8, inputShape: [4, 4, 1] }),
        new LearnedPositionEmbedding({ maxTokens: 4 }),
        new MultiHeadAttention({ numHeads: 2, attentionDropout: 0.1, outputDropout: 0.1 }),
        new FeedForward({ hiddenDim: 16, dropout: 0.1 }),
        new DropPath({ rate: 0.1 }),
        new Dense({ units: 1 }),
      ],
    });
    m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
    const x = tf.randomNormal([16, 4, 4, 1], 0, 1, 'float32', 3);
    const y = tf.tile(tf.reshape(tf.mean(x, [1, 2]), [16, 1, 1]), [1, 4, 1]);
    const before = m.getWeights().map((w) => w.clone());
    const hist = await m.fit(x, y, { epochs: 15, batchSize: 8, verbose: 0, shuffle: false });
    const losses = hist.history.loss as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    const after = m.getWeights();
    before.forEach((w, i) => expect(Array.from(w.dataSync())).not.toEqual(Array.from(after[i]!.dataSync())));
  });

  it('fits a model with a top-k attention layer (gradients through the custom top-k softmax)', async () => {
    setGlobalSeed(2);
    const q = input({ shape: [2, 4] });
    const s = input({ shape: [6, 4] });
    const att = new TopKAttention({ numHeads: 2, topK: 3 }).apply([q, s]) as unknown as ReturnType<typeof input>;
    const out = new Dense({ units: 1 }).apply(att) as unknown as ReturnType<typeof input>;
    const m = model({ inputs: [q, s], outputs: out });
    m.compile({ optimizer: tf.train.adam(0.02), loss: 'meanSquaredError' });
    const xq = tf.randomNormal([16, 2, 4], 0, 1, 'float32', 4);
    const xs = tf.randomNormal([16, 6, 4], 0, 1, 'float32', 5);
    const y = tf.tile(tf.reshape(tf.sum(xs, [1, 2]), [16, 1, 1]), [1, 2, 1]);
    const before = m.getWeights().map((w) => w.clone());
    const hist = await m.fit([xq, xs], y, { epochs: 10, batchSize: 8, verbose: 0, shuffle: false });
    const losses = hist.history.loss as number[];
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    const after = m.getWeights();
    // every weight (query and key projections included) received gradient
    before.forEach((w, i) => expect(Array.from(w.dataSync())).not.toEqual(Array.from(after[i]!.dataSync())));
  });
});
