import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { input, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { countParameters } from '@ait/core';
import { AIT_CPU_PRESETS, createModel, listModels, type AitConfigInput, type AssociativeTransformer } from '../../src/index';
import { useBackend } from '../helpers/backend';

useBackend('wasm');

describe('CPU-size AiT presets', () => {
  it('are registered with scale cpu and the ait family', () => {
    const cpu = listModels({ family: 'ait', scale: 'cpu' }).map((m) => m.name);
    expect(cpu.sort()).toEqual(['ait-mini', 'ait-tiny', 'ait-tiny-conv']);
    expect(Object.keys(AIT_CPU_PRESETS).sort()).toEqual(cpu);
  });

  it.each(Object.keys(AIT_CPU_PRESETS))('%s: shapes of logits and internal maps at its own image size', (name) => {
    const preset = AIT_CPU_PRESETS[name] as Required<
      Pick<AitConfigInput, 'numHeads' | 'memoryHeads' | 'memorySlots' | 'memoryDim' | 'depth' | 'imageSize' | 'channels' | 'classes'>
    >;
    const model = createModel(name, { recordMaps: true }) as AssociativeTransformer;
    const { imageSize: s, channels: c, classes } = preset;
    const y = model.apply(tf.randomNormal([2, s, s, c])) as tf.Tensor;
    expect(y.shape).toEqual([2, classes]);
    const n = model.numTokens;
    const maps = model.internalMaps();
    const { numHeads: h, memoryHeads: hm, memorySlots: m, memoryDim: dm, depth } = preset;
    expect(Object.keys(maps)).toHaveLength(6 * depth);
    for (let i = 0; i < depth; i++) {
      expect(maps[`block${i}/attention`]?.shape).toEqual([2, h, n, n]);
      expect(maps[`block${i}/gwl/gate`]?.shape).toEqual([hm, m, 2 * n]);
      expect(maps[`block${i}/gwl/selection`]?.shape).toEqual([hm, m, 2 * n]);
      expect(maps[`block${i}/gwl/priors`]?.shape).toEqual([m, dm]);
      expect(maps[`block${i}/gwl/written_priors`]?.shape).toEqual([m, dm]);
      expect(maps[`block${i}/gwl/hopfield`]?.shape).toEqual([2, n, m]);
    }
    y.dispose();
    model.dispose();
  });

  it('ait-tiny-conv makes 64 tokens of a 64x64 image through its convolutional stem', () => {
    const model = createModel('ait-tiny-conv') as AssociativeTransformer;
    expect(model.numTokens).toBe(64);
    const y = model.apply(tf.randomNormal([1, 64, 64, 1])) as tf.Tensor;
    expect(y.shape).toEqual([1, 2]);
    expect(model.weights.map((w) => w.originalName).filter((w) => w.includes('conv_stem'))).toEqual([
      'ait/conv_stem/kernel_0',
      'ait/conv_stem/bias_0',
      'ait/conv_stem/kernel_1',
      'ait/conv_stem/bias_1',
    ]);
    // a 28x28 image (MNIST) gives a 7x7 feature map: 49 tokens of 1x1 patches
    const mnist = createModel('ait-tiny-conv', { imageSize: 28, patchSize: 1, classes: 10 }) as AssociativeTransformer;
    expect(mnist.numTokens).toBe(49);
    expect((mnist.apply(tf.zeros([1, 28, 28, 1])) as tf.Tensor).shape).toEqual([1, 10]);
    expect(() => createModel('ait-tiny-conv', { imageSize: 28 })).toThrow(/patchSize.*does not divide the stem's output side 7/s);
    expect(() => createModel('ait-tiny-conv', { dim: 66, numHeads: 6, headDim: 11 })).toThrow(/sincos.*divisible by 4/s);
    y.dispose();
    model.dispose();
    mnist.dispose();
  });

  it.each(Object.keys(AIT_CPU_PRESETS))('%s at its own image size has a few hundred thousand to a few million parameters', (name) => {
    const model = createModel(name);
    const p = AIT_CPU_PRESETS[name] as Required<Pick<AitConfigInput, 'imageSize' | 'channels' | 'classes'>>;
    const out = model.apply(input({ shape: [p.imageSize, p.imageSize, p.channels] })) as SymbolicTensor;
    expect(out.shape).toEqual([null, p.classes]);
    const { trainable, nonTrainable } = countParameters(model);
    expect(trainable).toBeGreaterThan(1e5);
    expect(trainable).toBeLessThan(5e6);
    expect(nonTrainable).toBe(
      (AIT_CPU_PRESETS[name]?.depth ?? 0) * (AIT_CPU_PRESETS[name]?.memorySlots ?? 0) * (AIT_CPU_PRESETS[name]?.memoryDim ?? 0),
    );
    model.dispose();
  });

  it('the question-token variant adds one token and takes [images, questions]', () => {
    const model = createModel('ait-tiny', { imageSize: 16, questionDim: 18, recordMaps: true });
    const y = model.apply([tf.randomNormal([2, 16, 16, 3]), tf.randomUniform([2, 18])]) as tf.Tensor;
    expect(y.shape).toEqual([2, 10]);
    expect(model.internalMaps()['block0/attention']?.shape).toEqual([2, 3, 17, 17]);
    expect(model.internalMaps()['block0/gwl/gate']?.shape).toEqual([4, 16, 34]);
    model.dispose();
  });
});
