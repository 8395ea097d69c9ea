// Serialisation checks shared by the packages' layer tests.
import * as tf from '@tensorflow/tfjs-core';
import { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';
import type { AitLayer } from '../src/layers/ait-layer';

/** Where {@link expectModelRoundTrip} draws the random weights it sets before saving. */
export interface RoundTripWeights {
  /** Standard deviation of the normal weights; default 0.5. */
  readonly stddev?: number;
  /** Seed of the first weight (the i-th gets `seed + i`); default 100. */
  readonly seed?: number;
}

function asList(x: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(x) ? x : [x];
}

/**
 * Sets random weights on `m` (so that ones, zeros and zero biases cannot agree by accident), saves
 * it through `tf.io.withSaveHandler`, loads it back through `tf.io.fromMemory`, and expects the
 * same weight names, trainable flags and values, and the same predictions for `inputs`, to the
 * bit. Returns the loaded model.
 */
export async function expectModelRoundTrip(
  m: LayersModel,
  inputs: tf.Tensor | tf.Tensor[],
  weights: RoundTripWeights = {},
): Promise<LayersModel> {
  const { stddev = 0.5, seed = 100 } = weights;
  m.setWeights(m.getWeights().map((w, i) => tf.randomNormal(w.shape, 0, stddev, 'float32', seed + i)));
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  expect(saved).toBeDefined();
  const loaded = await loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
  expect(loaded.weights.map((w) => w.originalName)).toEqual(m.weights.map((w) => w.originalName));
  expect(loaded.weights.map((w) => w.trainable)).toEqual(m.weights.map((w) => w.trainable));
  const original = m.getWeights();
  loaded.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from((original[i] as tf.Tensor).dataSync())));
  const a = asList(m.predict(inputs));
  const b = asList(loaded.predict(inputs));
  expect(b.length).toBe(a.length);
  a.forEach((t, i) => {
    expect((b[i] as tf.Tensor).shape).toEqual(t.shape);
    expect(Array.from((b[i] as tf.Tensor).dataSync())).toEqual(Array.from(t.dataSync()));
  });
  return loaded;
}

/** `getConfig()` -> `fromConfig()` rebuilds a layer of the same class with the same, JSON-safe config. */
export function expectConfigRoundTrip(layer: AitLayer): void {
  const cls = layer.constructor as typeof AitLayer & tf.serialization.SerializableConstructor<AitLayer>;
  const cfg = layer.getConfig();
  const copy = cls.fromConfig(cls, cfg);
  expect(copy).toBeInstanceOf(cls);
  expect(copy.getConfig()).toEqual(cfg);
  expect(JSON.parse(JSON.stringify(cfg))).toEqual(cfg);
}
