// Save / load round trip of a vision model through tfjs' model serialisation (in memory), with
// `@ait/core/testing`'s shared checks.
import { expect } from 'vitest';
import type * as tf from '@tensorflow/tfjs-core';
import { input, model as functionalModel, type LayersModel, type SymbolicTensor } from '@tensorflow/tfjs-layers';
import { expectModelRoundTrip, type RoundTripWeights } from '@ait/core/testing';
import type { VisionModel } from '../../src/index';

export { expectConfigRoundTrip } from '@ait/core/testing';

/**
 * Wraps `layer` in a functional model with inputs of `shapes` (without batch), gives it random
 * weights (`weights`: their standard deviation and seed), saves it to memory and loads it back:
 * weight names, trainable flags, values and predictions agree, and so do the states after the
 * prediction (AiT's memory is updated by every pass). Returns the loaded model.
 */
export async function expectRoundTrip(
  layer: VisionModel,
  shapes: number[][],
  inputs: tf.Tensor[],
  weights: RoundTripWeights = {},
): Promise<LayersModel> {
  const symbolic = shapes.map((shape) => input({ shape }));
  const out = layer.apply(symbolic.length === 1 ? (symbolic[0] as SymbolicTensor) : symbolic) as SymbolicTensor;
  const m = functionalModel({ inputs: symbolic, outputs: out });
  const loaded = await expectModelRoundTrip(m, inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs, weights);
  const after = m.getWeights();
  loaded.getWeights().forEach((w, i) => expect(Array.from(w.dataSync())).toEqual(Array.from((after[i] as tf.Tensor).dataSync())));
  return loaded;
}
