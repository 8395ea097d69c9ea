import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { input, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { countParameters, initBackend } from '@ait/core';
import { AIT_CPU_PRESETS, createModel, listModels, type AitConfigInput } from '../../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('CPU-size AiT presets', () => {
  it('are registered with scale cpu and the ait family', () => {
    const cpu = listModels({ family: 'ait', scale: 'cpu' }).map((m) => m.name);
    expect(cpu.sort()).toEqual(['ait-mini', 'ait-tiny']);
    expect(Object.keys(AIT_CPU_PRESETS).sort()).toEqual(cpu);
  });

  it.each(Object.keys(AIT_CPU_PRESETS))('%s: shapes of logits and internal maps on 16x16 images', (name) => {
    const preset = AIT_CPU_PRESETS[name] as Required<Pick<AitConfigInput, 'numHeads' | 'memoryHeads' | 'memorySlots' | 'memoryDim' | 'depth'>>;
    const model = createModel(name, { imageSize: 16, recordMaps: true });
    const y = model.apply(tf.randomNormal([2, 16, 16, 3])) as tf.Tensor;
    expect(y.shape).toEqual([2, 10]);
    const maps = model.internalMaps();
    const { numHeads: h, memoryHeads: hm, memorySlots: m, memoryDim: dm, depth } = preset;
    expect(Object.keys(maps)).toHaveLength(6 * depth);
    for (let i = 0; i < depth; i++) {
      expect(maps[`block${i}/attention`]?.shape).toEqual([2, h, 16, 16]);
      expect(maps[`block${i}/gwl/gate`]?.shape).toEqual([hm, m, 32]);
      expect(maps[`block${i}/gwl/selection`]?.shape).toEqual([hm, m, 32]);
      expect(maps[`block${i}/gwl/priors`]?.shape).toEqual([m, dm]);
      expect(maps[`block${i}/gwl/written_priors`]?.shape).toEqual([m, dm]);
      expect(maps[`block${i}/gwl/hopfield`]?.shape).toEqual([2, 16, m]);
    }
    y.dispose();
    model.dispose();
  });

  it.each(Object.keys(AIT_CPU_PRESETS))('%s at its own image size has a few hundred thousand to a few million parameters', (name) => {
    const model = createModel(name);
    const size = AIT_CPU_PRESETS[name]?.imageSize as number;
    const out = model.apply(input({ shape: [size, size, 3] })) as SymbolicTensor;
    expect(out.shape).toEqual([null, 10]);
    const { trainable, nonTrainable } = countParameters(model);
    expect(trainable).toBeGreaterThan(1e5);
    expect(trainable).toBeLessThan(5e6);
    expect(nonTrainable).toBe((AIT_CPU_PRESETS[name]?.depth ?? 0) * (AIT_CPU_PRESETS[name]?.memorySlots ?? 0) * (AIT_CPU_PRESETS[name]?.memoryDim ?? 0));
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
