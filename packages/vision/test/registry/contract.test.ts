// The contract every model of the registry keeps, checked once over listModels() rather than
// per family: its smallest presets give finite [batch, classes] logits, a training step changes
// every trainable weight's values somewhere and leaks nothing, the config round-trips through
// getConfig / fromConfig to the same outputs, and createModel names a bad override.
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, ConfigError, parameterRefs, setGlobalSeed } from '@ait/core';
import { describe, expect, it } from 'vitest';
import { createModel, listModels, type VisionModel } from '../../src/index';
import { imageBatch, presetInput, TINY_PRESETS } from '../helpers/model-checks';
import { useBackend } from '../helpers/backend';
import { crossEntropyStep } from '../helpers/train-step';

useBackend('cpu');

it('every family has a tiny CPU preset', () => {
  const families = new Set(listModels().map((m) => m.family));
  const covered = new Set(
    listModels({ scale: 'cpu' })
      .filter((m) => TINY_PRESETS.includes(m.name))
      .map((m) => m.family),
  );
  expect([...families].filter((f) => !covered.has(f))).toEqual([]);
});

/**
 * Weights a step leaves alone by design. AiT's 'ema' memory (the reference's): the write's output
 * is detached, so its value and output projections and `write_norm` get no gradient (see
 * GlobalWorkspaceLayer); they exist for the 'learned' memory mode.
 */
const FROZEN_BY_DESIGN = /\/gwl\/write\/(value|output)\/|\/gwl\/write_norm\//;

describe.each(TINY_PRESETS)('%s', (name) => {
  it('gives finite logits, trains every weight without leaking, and round-trips its config', async () => {
    setGlobalSeed(3);
    const { size, channels, classes } = presetInput(name);
    const { x, y } = imageBatch(2, size, channels, classes, 7);
    const model = createModel(name);
    const logits = model.apply(x, { training: false }) as tf.Tensor;
    expect(logits.shape).toEqual([2, classes]);
    expect(Array.from(await logits.data()).every(Number.isFinite)).toBe(true);
    logits.dispose();

    const params = parameterRefs(model);
    const before = params.map((p) => Array.from(p.variable.dataSync()));
    const optimizer = new AdamW({ learningRate: 1e-2 });
    const step = (i: number) => crossEntropyStep(model, optimizer, { x, y }, i, params);
    await step(0);
    const tensors = tf.memory().numTensors;
    await step(1);
    expect(tf.memory().numTensors, 'tensors after a second step').toBe(tensors);
    const unchanged = params
      .filter((p, i) => Array.from(p.variable.dataSync()).every((v, j) => v === before[i]?.[j]))
      .map((p) => p.name)
      .filter((n) => !FROZEN_BY_DESIGN.test(n));
    expect(unchanged, 'trainable weights no step changed').toEqual([]);
    optimizer.dispose();

    // fromConfig(getConfig()) is the same model: with the same weights, the same logits
    const cls = model.constructor as unknown as { fromConfig(c: unknown, cfg: tf.serialization.ConfigDict): VisionModel };
    const copy = cls.fromConfig(model.constructor, model.getConfig());
    tf.dispose(copy.apply(x, { training: false }) as tf.Tensor);
    copy.setWeights(model.getWeights());
    const a = model.apply(x, { training: false }) as tf.Tensor;
    const b = copy.apply(x, { training: false }) as tf.Tensor;
    expect(Array.from(await b.data())).toEqual(Array.from(await a.data()));
    expect(copy.getConfig()).toEqual(model.getConfig());
    tf.dispose([a, b, x, y]);
    model.dispose();
    copy.dispose();
  });

  it('names a bad override', () => {
    expect(() => createModel(name, { notAnOption: 1 })).toThrow(ConfigError);
    expect(() => createModel(name, { notAnOption: 1 })).toThrow(/notAnOption/);
  });
});
