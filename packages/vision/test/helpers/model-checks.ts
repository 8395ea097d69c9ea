// Shared checks for the Coordination / Set Transformer / Perceiver / AFT / MLP-Mixer model tests.
import { expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { input, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { AdamW, initBackend, parameterRefs, setGlobalSeed } from '@ait/core';
import { createModel, listModels, type VisionModel } from '../../src/index';
import { overfitBatch } from './overfit';
import { expectConfigRoundTrip, expectRoundTrip } from './round-trip';
import { crossEntropyStep } from './train-step';

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

/** The smallest CPU preset of each family, `*-tiny` (the larger CPU presets only repeat blocks). */
export const TINY_PRESETS: readonly string[] = listModels({ scale: 'cpu' })
  .map((m) => m.name)
  .filter((name) => /-tiny(-|$)/.test(name));

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
  const step = (i: number) => crossEntropyStep(model, optimizer, { x, y }, i, params);
  await step(0);
  const before = tf.memory().numTensors;
  (model.apply(x) as tf.Tensor).dispose();
  await step(1);
  expect(tf.memory().numTensors).toBe(before);
  optimizer.dispose();
}

/** Seeds of {@link expectPresetRoundTrip}: the two images and the random weights. */
export interface RoundTripSeeds {
  readonly data: number;
  readonly weights: number;
  /** Standard deviation of the random weights; default 0.3. */
  readonly scale?: number;
}

/**
 * A 16x16 RGB CPU preset (with `overrides`), built on two random images and given random weights,
 * survives save / load (same weights and predictions) and getConfig / fromConfig.
 */
export async function expectPresetRoundTrip(name: string, seeds: RoundTripSeeds, overrides: Record<string, unknown> = {}): Promise<void> {
  const m = createModel(name, overrides);
  const { x } = imageBatch(2, 16, 3, 10, seeds.data);
  (m.apply(x) as tf.Tensor).dispose();
  await expectRoundTrip(m, [[16, 16, 3]], [x], { seed: seeds.weights, stddev: seeds.scale ?? 0.3 });
  expectConfigRoundTrip(m);
}

/** Seeds and budget of {@link expectPresetOverfits}. */
export interface OverfitSetting {
  /** `setGlobalSeed` before the model is created. */
  readonly globalSeed: number;
  /** Seed of the batch of 12 images. */
  readonly data: number;
  /** Optimiser steps at most; default 60. */
  readonly maxSteps?: number;
}

/**
 * A 16x16 RGB CPU preset made a 4-class classifier starts below 100 % training accuracy on a fixed
 * batch of 12 images and reaches 100 % within `maxSteps` AdamW steps.
 */
export async function expectPresetOverfits(name: string, setting: OverfitSetting): Promise<void> {
  setGlobalSeed(setting.globalSeed);
  const m = createModel(name, { classes: 4 });
  const { x, y } = imageBatch(12, 16, 3, 4, setting.data);
  const r = await overfitBatch(m, x, y, { maxSteps: setting.maxSteps ?? 60 });
  expect(r.initialAccuracy).toBeLessThan(1);
  expect(r.accuracy).toBe(1);
  m.dispose();
}

/** A 16x16 RGB CPU preset recording its maps leaks no tensor over a forward pass and a training step (see {@link expectNoTensorLeak}). */
export async function expectPresetNoLeak(name: string, dataSeed: number): Promise<void> {
  const { x, y } = imageBatch(4, 16, 3, 10, dataSeed);
  const m = createModel(name, { recordMaps: true });
  await expectNoTensorLeak(m, x, y);
  m.dispose();
}

/** The checks {@link presetLearningTests} declares (each one when given). */
export interface PresetLearningChecks {
  /** Save / load and config round trip, with these seeds and the preset's `overrides`. */
  readonly roundTrip?: RoundTripSeeds & { readonly overrides?: Record<string, unknown> };
  /** Overfitting a batch of 12 (on the wasm backend). */
  readonly overfit?: OverfitSetting;
  /** No tensor leaked by a forward pass and a training step, on images from this seed. */
  readonly leak?: number;
}

/** Declares the serialisation, learning and tensor-memory tests of a 16x16 RGB CPU preset. */
export function presetLearningTests(name: string, checks: PresetLearningChecks): void {
  const { roundTrip, overfit, leak } = checks;
  if (roundTrip) it(`${name} round-trips through save / load`, () => expectPresetRoundTrip(name, roundTrip, roundTrip.overrides));
  if (overfit) {
    it(`${name} overfits a batch of 12 to 100 % training accuracy`, async () => {
      await initBackend({ backend: 'wasm' });
      await expectPresetOverfits(name, overfit);
    });
  }
  if (leak !== undefined) it(`${name} leaks no tensor over a forward pass and a training step`, () => expectPresetNoLeak(name, leak));
}
