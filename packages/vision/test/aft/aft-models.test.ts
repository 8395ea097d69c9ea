// AFT models: presets, position-bias maps, input errors, serialisation, learning, tensor memory.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@ait/core';
import { AftFullAttention, type AftVariant, createModel } from '../../src/index';
import { expectClose, rows } from '../helpers/float64-ops';
import { expectPresetShapes, imageBatch, presetLearningTests } from '../helpers/model-checks';
import { useBackend } from '../helpers/backend';

useBackend('wasm', 11);

const VARIANTS: AftVariant[] = ['full', 'local', 'simple', 'conv'];

describe('AFT presets', () => {
  it('every preset gives logits [batch, classes] (paper sizes built symbolically)', () => {
    const counts = expectPresetShapes('aft');
    expect(Object.keys(counts)).toHaveLength(12);
    // The DeiT-S backbone: about 22 M parameters (20 M for AFT-conv, which has no position table and 1-channel keys).
    expect(counts['aft-full-small']).toBeGreaterThan(21e6);
    expect(counts['aft-full-small']).toBeLessThan(23e6);
  });
});

describe('AFT position biases', () => {
  it('AFT-full uses w = u v^T and AFT-local the same masked to the window', () => {
    for (const windowSize of [null, 3]) {
      const layer = new AftFullAttention({ positionRank: 4, windowSize });
      layer.apply(tf.zeros([1, 7, 8]));
      const [u, v] = layer.getWeights().filter((w) => w.shape[0] === 7) as [tf.Tensor, tf.Tensor];
      const vt = rows(v.dataSync(), 7, 4);
      const expected = rows(u.dataSync(), 7, 4).flatMap((ur, t) =>
        vt.map((vr, s) =>
          windowSize !== null && Math.abs(t - s) >= windowSize ? 0 : ur.reduce((a, x, j) => a + x * (vr[j] as number), 0),
        ),
      );
      expectClose(layer.positionBiases().dataSync(), expected, { abs: 1e-7 }, `window ${windowSize}`);
      layer.dispose();
    }
  });

  it('records the biases (full, local) and kernels (conv) as internal maps; conv starts at w = 0', () => {
    const { x } = imageBatch(2, 16, 3, 10, 1);
    const full = createModel('aft-local-tiny', { recordMaps: true });
    (full.apply(x) as tf.Tensor).dispose();
    const bias = full.internalMaps()['block1/position_bias'] as tf.Tensor;
    expect(bias.shape).toEqual([16, 16]);
    const b = bias.dataSync();
    for (let t = 0; t < 16; t++) for (let s = 0; s < 16; s++) if (Math.abs(t - s) >= 4) expect(b[t * 16 + s] === 0).toBe(true);
    const conv = createModel('aft-conv-tiny', { recordMaps: true });
    (conv.apply(x) as tf.Tensor).dispose();
    const kernel = conv.internalMaps()['block0/position_kernel'] as tf.Tensor;
    expect(kernel.shape).toEqual([4, 3, 3]);
    expect(Array.from(kernel.dataSync()).every((w) => w === 0)).toBe(true);
    expect(Object.keys(createModel('aft-simple-tiny').internalMaps())).toEqual([]);
    full.dispose();
    conv.dispose();
  });
});

describe('AFT input and config errors', () => {
  it('says when the images do not fit the model', () => {
    const m = createModel('aft-full-tiny');
    expect(() => m.apply(tf.zeros([1, 32, 32, 3]))).toThrow(/configured for 16x16 images but got 32x32.*imageSize/);
    expect(() => m.apply(tf.zeros([1, 16, 16, 1]))).toThrow(/configured for 3-channel images but got 1/);
    expect(() => m.apply(tf.zeros([16, 16, 3]))).toThrow(/rank 4 \[batch, height, width, channels\]/);
    expect(() => m.apply([tf.zeros([1, 16, 16, 3]), tf.zeros([1, 18])])).toThrow(/no question input/);
    const any = createModel('aft-full-tiny', { imageSize: null });
    expect(() => any.apply(tf.zeros([1, 18, 18, 3]))).toThrow(/18x18 is not divisible by the patch size 4/);
    (any.apply(tf.zeros([1, 16, 16, 3])) as tf.Tensor).dispose();
    expect(() => any.apply(tf.zeros([1, 8, 8, 3]))).toThrow(/built for 16 tokens/);
  });

  it('rejects inconsistent configs with a ConfigError naming the field', () => {
    expect(() => createModel('aft-local-tiny', { windowSize: null })).toThrow(ConfigError);
    expect(() => createModel('aft-local-tiny', { windowSize: null })).toThrow(/windowSize/);
    expect(() => createModel('aft-conv-tiny', { kernelSize: 4 })).toThrow(/kernelSize: must be odd/);
    expect(() => createModel('aft-conv-tiny', { convHeads: 5 })).toThrow(/convHeads/);
    expect(() => createModel('aft-full-tiny', { variant: 'fast' })).toThrow(/variant/);
  });
});

describe('AFT serialisation, learning and memory', () => {
  for (const variant of VARIANTS) {
    const leak = variant === 'full' || variant === 'conv' ? 4 : undefined;
    presetLearningTests(`aft-${variant}-tiny`, {
      roundTrip: { data: 2, weights: 100 },
      overfit: { globalSeed: 21, data: 3 },
      ...(leak ? { leak } : {}),
    });
  }
});
