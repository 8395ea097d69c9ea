import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { input, model, sequential } from '@tensorflow/tfjs-layers';
import {
  AIT_CORE_LAYER_CLASSES,
  Dense,
  DropPath,
  Dropout,
  FeedForward,
  LayerNorm,
  LearnedPositionEmbedding,
  MultiHeadAttention,
  PatchEmbedding,
  SinusoidalPositionEmbedding2d,
  TopKAttention,
} from '../../src/index';
import { expectConfigRoundTrip, expectModelRoundTrip, useBackend } from '../../testing/index';

useBackend('cpu', 17);

describe('serialisation round trips', () => {
  it('registers every layer class under an Ait-prefixed name', () => {
    const names = AIT_CORE_LAYER_CLASSES.map((c) => c.className);
    expect(names.every((n) => n.startsWith('Ait'))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
    const registered = tf.serialization.SerializationMap.getMap().classNameMap;
    for (const n of names) expect(registered[n], n).toBeDefined();
  });

  it('Dense', async () => {
    const layer = new Dense({ units: 6, activation: 'geluTanh', kernelInitializer: 'truncatedNormal', inputShape: [3, 4] });
    const m = sequential({ layers: [layer, new Dense({ units: 2, useBias: false, activation: 'relu' })] });
    await expectModelRoundTrip(m, tf.randomNormal([2, 3, 4], 0, 1, 'float32', 1));
    expectConfigRoundTrip(layer);
  });

  it('LayerNorm', async () => {
    const layer = new LayerNorm({ epsilon: 1e-6, inputShape: [3, 4] });
    const m = sequential({ layers: [layer, new LayerNorm({ center: false })] });
    await expectModelRoundTrip(m, tf.randomNormal([2, 3, 4], 0, 1, 'float32', 2));
    expectConfigRoundTrip(layer);
  });

  it('Dropout', async () => {
    const layer = new Dropout({ rate: 0.4 });
    const m = sequential({ layers: [new Dense({ units: 4, inputShape: [5] }), layer] });
    await expectModelRoundTrip(m, tf.randomNormal([3, 5], 0, 1, 'float32', 3));
    expectConfigRoundTrip(layer);
  });

  it('DropPath', async () => {
    const layer = new DropPath({ rate: 0.3 });
    const m = sequential({ layers: [new Dense({ units: 4, inputShape: [2, 5] }), layer] });
    await expectModelRoundTrip(m, tf.randomNormal([3, 2, 5], 0, 1, 'float32', 4));
    expectConfigRoundTrip(layer);
  });

  it('FeedForward (also frozen)', async () => {
    const layer = new FeedForward({ hiddenDim: 8, outputDim: 3, activation: 'geluTanh', dropout: 0.1, inputShape: [3, 4], name: 'mlp' });
    await expectModelRoundTrip(sequential({ layers: [layer] }), tf.randomNormal([2, 3, 4], 0, 1, 'float32', 5));
    expectConfigRoundTrip(layer);
    const frozen = new FeedForward({ hiddenDim: 5, trainable: false, inputShape: [4] });
    const loaded = await expectModelRoundTrip(sequential({ layers: [frozen] }), tf.randomNormal([2, 4], 0, 1, 'float32', 6));
    expect(loaded.trainableWeights).toHaveLength(0);
    expect(loaded.nonTrainableWeights).toHaveLength(4);
  });

  it('MultiHeadAttention, self-attention', async () => {
    const layer = new MultiHeadAttention({ numHeads: 2, headDim: 3, qkvBias: false, attentionDropout: 0.1, inputShape: [4, 6] });
    await expectModelRoundTrip(sequential({ layers: [layer] }), tf.randomNormal([2, 4, 6], 0, 1, 'float32', 7));
    expectConfigRoundTrip(layer);
  });

  it('MultiHeadAttention, cross-attention with a mask input and returned weights', async () => {
    const x = input({ shape: [3, 4] });
    const c = input({ shape: [5, 6] });
    const mk = input({ shape: [5] });
    const layer = new MultiHeadAttention({ numHeads: 2, hasMaskInput: true, returnAttentionWeights: true, outputDim: 5, name: 'xattn' });
    const outs = layer.apply([x, c, mk]) as unknown as ReturnType<typeof input>[];
    const m = model({ inputs: [x, c, mk], outputs: outs });
    const mask = tf.tensor2d([1, 1, 0, 1, 0, 0, 1, 1, 1, 1], [2, 5]);
    const loaded = await expectModelRoundTrip(m, [
      tf.randomNormal([2, 3, 4], 0, 1, 'float32', 8),
      tf.randomNormal([2, 5, 6], 0, 1, 'float32', 9),
      mask,
    ]);
    const [, w] = loaded.predict([tf.ones([2, 3, 4]), tf.ones([2, 5, 6]), mask]) as tf.Tensor[];
    expect(w!.shape).toEqual([2, 2, 3, 5]);
    expect((w!.arraySync() as number[][][][])[0]![1]![2]![2]).toBe(0);
    expectConfigRoundTrip(layer);
  });

  it('TopKAttention with the gate as a second output', async () => {
    const q = input({ shape: [3, 4] });
    const s = input({ shape: [7, 5] });
    const layer = new TopKAttention({ numHeads: 2, topK: 3, returnGate: true, dropout: 0.1, name: 'write' });
    const outs = layer.apply([q, s]) as unknown as ReturnType<typeof input>[];
    const loaded = await expectModelRoundTrip(model({ inputs: [q, s], outputs: outs }), [
      tf.randomNormal([2, 3, 4], 0, 1, 'float32', 10),
      tf.randomNormal([2, 7, 5], 0, 1, 'float32', 11),
    ]);
    expect(loaded.outputs.map((o) => o.shape)).toEqual([
      [null, 3, 4],
      [null, 2, 3, 7],
    ]);
    expectConfigRoundTrip(layer);
  });

  it('PatchEmbedding', async () => {
    const layer = new PatchEmbedding({ patchSize: 2, embedDim: 6, epsilon: 1e-6, inputShape: [4, 6, 3] });
    await expectModelRoundTrip(sequential({ layers: [layer] }), tf.randomNormal([2, 4, 6, 3], 0, 1, 'float32', 12));
    expectConfigRoundTrip(layer);
    const bare = new PatchEmbedding({ patchSize: 2, embedDim: 6, preNorm: false, postNorm: false, useBias: false, inputShape: [4, 4, 1] });
    await expectModelRoundTrip(sequential({ layers: [bare] }), tf.randomNormal([1, 4, 4, 1], 0, 1, 'float32', 13));
  });

  it('LearnedPositionEmbedding', async () => {
    const layer = new LearnedPositionEmbedding({ maxTokens: 8, stddev: 0.05, inputShape: [5, 4] });
    await expectModelRoundTrip(sequential({ layers: [layer] }), tf.randomNormal([2, 5, 4], 0, 1, 'float32', 14));
    expectConfigRoundTrip(layer);
  });

  it('SinusoidalPositionEmbedding2d', async () => {
    const layer = new SinusoidalPositionEmbedding2d({ gridHeight: 2, gridWidth: 2, prefixTokens: 1, temperature: 100, inputShape: [5, 8] });
    await expectModelRoundTrip(
      sequential({ layers: [new Dense({ units: 8, inputShape: [5, 3] }), layer] }),
      tf.randomNormal([2, 5, 3], 0, 1, 'float32', 15),
    );
    expectConfigRoundTrip(layer);
  });
});
