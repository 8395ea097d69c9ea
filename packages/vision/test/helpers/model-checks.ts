// Shared checks for the Coordination / Set Transformer / Perceiver / AFT / MLP-Mixer model tests.
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { input, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { AdamW, crossEntropy, parameterRefs, trainStep } from '@ait/core';
import { createModel, listModels, type VisionModel } from '../../src/index';

/** Random images `[n, size, size, channels]` and labels `0 .. classes-1` cycling, from a fixed seed. */
export function imageBatch(n: number, size: number, channels: number, classes: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  return {
    x: tf.randomNormal([n, size, size, channels], 0, 1, 'float32', seed) as tf.Tensor4D,
    y: tf.tensor1d(
      Array.from({ length: n }, (_, i) => i % classes),
      'int32',
    ),
  };
}

/** Replaces every weight of a built model with N(0, scale^2) values (so zero-initialised heads do not hide bugs). */
export function randomizeWeights(model: VisionModel, seed: number, scale = 0.3): void {
  model.setWeights(model.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, scale, 'float32', seed + i)));
}

/** The image size and channels a preset is configured for. */
export function presetInput(name: string): { size: number; channels: number; classes: number } {
  const info = listModels().find((m) => m.name === name);
  if (!info) throw new Error(`no preset ${name}`);
  const d = info.defaults as { imageSize: number; channels: number; classes: number };
  return { size: d.imageSize, channels: d.channels, classes: d.classes };
}

/**
 * Checks every preset of `family`: CPU presets run a forward pass on two images and give
 * `[2, classes]` finite logits; paper presets are applied to a symbolic input (which builds all
 * their weights) and give `[null, classes]`. Returns the parameter counts by preset name.
 */
export function expectPresetShapes(family: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const presets = listModels({ family });
  expect(presets.length).toBeGreaterThanOrEqual(3);
  expect(presets.some((p) => p.scale === 'paper')).toBe(true);
  expect(
    presets
      .filter((p) => p.scale === 'cpu')
      .map((p) => p.name.replace(/.*-/, ''))
      .sort(),
  ).toEqual(expect.arrayContaining(['mini', 'tiny']));
  for (const info of presets) {
    const { size, channels, classes } = presetInput(info.name);
    const model = createModel(info.name);
    if (info.scale === 'cpu') {
      const x = tf.randomNormal([2, size, size, channels], 0, 1, 'float32', 5);
      const y = model.apply(x) as tf.Tensor;
      expect(y.shape, info.name).toEqual([2, classes]);
      expect(Array.from(y.dataSync()).every(Number.isFinite), info.name).toBe(true);
      tf.dispose([x, y]);
    } else {
      const out = model.apply(input({ shape: [size, size, channels] })) as SymbolicTensor;
      expect(out.shape, info.name).toEqual([null, classes]);
    }
    counts[info.name] = model.countParams();
    model.dispose();
  }
  return counts;
}

/**
 * After a warm-up training step (which creates the optimiser's moments), one more forward pass and
 * training step leave `tf.memory().numTensors` unchanged.
 */
export async function expectNoTensorLeak(model: VisionModel, x: tf.Tensor, y: tf.Tensor): Promise<void> {
  const optimizer = new AdamW({ learningRate: 1e-3 });
  (model.apply(x) as tf.Tensor).dispose();
  const params = parameterRefs(model);
  const step = (i: number) =>
    trainStep({ model, params, optimizer, batch: { x, y }, loss: crossEntropy, epoch: 0, step: i, stepInEpoch: i });
  await step(0);
  const before = tf.memory().numTensors;
  (model.apply(x) as tf.Tensor).dispose();
  await step(1);
  expect(tf.memory().numTensors).toBe(before);
  optimizer.dispose();
}
