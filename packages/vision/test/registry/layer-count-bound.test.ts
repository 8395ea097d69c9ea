// Every layer-count key of every preset is bounded by validation: `depth: 2 ** 31` must be a
// ConfigError naming the key, not a loop that builds layers until the heap runs out.
import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '@ait/core';
import { describe, expect, it } from 'vitest';
import { createModel, listModels } from '../../src/index';
import { MAX_MODEL_LAYERS } from '../../src/models/layer-count';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

const LAYER_KEYS = ['depth', 'layers', 'latentLayers', 'encoderLayers', 'decoderLayers'];

describe('layer counts', () => {
  it('are refused above the bound for every preset, naming the key, without making tensors', () => {
    const before = tf.memory().numTensors;
    let checked = 0;
    for (const info of listModels()) {
      for (const key of LAYER_KEYS.filter((k) => k in info.defaults)) {
        for (const value of [2 ** 31, MAX_MODEL_LAYERS + 1]) {
          let error: unknown;
          try {
            createModel(info.name, { [key]: value }).dispose();
          } catch (e) {
            error = e;
          }
          expect(error, `${info.name} ${key}=${value}`).toBeInstanceOf(ConfigError);
          expect((error as ConfigError).message, `${info.name} ${key}`).toContain(key);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(tf.memory().numTensors).toBe(before);
  });
});
