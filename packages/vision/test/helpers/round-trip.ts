// Save / load round trip of a vision model through tfjs' model serialisation (in memory).
import { expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { input, loadLayersModel, model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import type { VisionModel } from '../../src/index';

/**
 * Wraps `layer` in a functional model with inputs of `shapes` (without batch), saves it to memory,
 * loads it back, and checks that weight names, trainable flags, values and predictions agree.
 * Returns the loaded model.
 */
export async function expectRoundTrip(layer: VisionModel, shapes: number[][], inputs: tf.Tensor[]): Promise<LayersModel> {
  const symbolic = shapes.map((shape) => input({ shape }));
  const out = layer.apply(symbolic.length === 1 ? (symbolic[0] as SymbolicTensor) : symbolic) as SymbolicTensor;
  const m = functionalModel({ inputs: symbolic, outputs: out });
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const loaded = await loadLayersModel(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
  expect(loaded.weights.map((w) => w.originalName)).toEqual(m.weights.map((w) => w.originalName));
  expect(loaded.weights.map((w) => w.trainable)).toEqual(m.weights.map((w) => w.trainable));
  const before = m.getWeights();
  loaded.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from((before[i] as tf.Tensor).dataSync())));
  // Both start from the same state, so their (memory-updating) predictions agree.
  const a = m.predict(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs) as tf.Tensor;
  const b = loaded.predict(inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs) as tf.Tensor;
  expect(b.shape).toEqual(a.shape);
  expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
  // ... and so do their states afterwards.
  const after = m.getWeights();
  loaded.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from((after[i] as tf.Tensor).dataSync())));
  tf.dispose([a, b]);
  return loaded;
}

/** `getConfig()` -> `fromConfig()` rebuilds a layer with the same, JSON-safe config. */
export function expectConfigRoundTrip(layer: VisionModel): void {
  const cls = layer.constructor as unknown as tf.serialization.SerializableConstructor<VisionModel>;
  const cfg = layer.getConfig();
  const copy = (cls as unknown as { fromConfig: (c: unknown, cfg: tf.serialization.ConfigDict) => VisionModel }).fromConfig(cls, cfg);
  expect(copy).toBeInstanceOf(layer.constructor);
  expect(copy.getConfig()).toEqual(cfg);
  expect(JSON.parse(JSON.stringify(cfg))).toEqual(cfg);
}
