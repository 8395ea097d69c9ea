// Every model family trains on webgpu (tfjs-backend-webgpu through Dawn; on CI Mesa's lavapipe):
// three AdamW steps of each tiny preset from the same weights and batch give the cpu backend's
// losses. Both runs make synchronous tensor reads throw, so that a read that would fail on webgpu
// under Node (or stall a GPU) fails here on any machine; without a WebGPU adapter only the cpu run
// (the synchronous-read check) runs.
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, crossEntropy, initBackend, parameterRefs, setGlobalSeed, trainStep } from '@ait/core';
import { forbidSyncReads, restoreBackendAfterwards, webgpuMissing } from '@ait/core/testing';
import { describe, expect, it } from 'vitest';
import { createModel, listModels } from '../../src/index';
import { presetInput } from '../helpers/model-checks';

const STEPS = 3;
const BATCH = 4;

const missing = await webgpuMissing('the webgpu half of the per-model training tests');

/** The cpu-sized presets of every family at their smallest (`...-tiny`, `ait-tiny-conv`, ...). */
const PRESETS = listModels({ scale: 'cpu' })
  .filter((m) => m.name.includes('tiny'))
  .map((m) => m.name);

/** Deterministic inputs and labels as plain arrays (tensors are made on each backend). */
function batchValues(name: string): { x: Float32Array; shape: number[]; y: number[] } {
  const { size, channels, classes } = presetInput(name);
  const shape = [BATCH, size, size, channels];
  const x = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(0.37 * i + 1) * 1.5);
  return { x, shape, y: Array.from({ length: BATCH }, (_, i) => (i * 3) % classes) };
}

/**
 * Builds `name` on `backend` with `weights` (or its own seeded ones), trains STEPS AdamW steps on
 * the batch with synchronous reads forbidden, and returns the losses and (for the first run) the
 * initial weights.
 */
async function train(
  backend: 'cpu' | 'webgpu',
  name: string,
  weights: Float32Array[] | null,
): Promise<{ losses: number[]; weights: Float32Array[] }> {
  await initBackend({ backend });
  setGlobalSeed(11);
  const model = createModel(name);
  const { x: xs, shape, y: ys } = batchValues(name);
  const x = tf.tensor(xs, shape);
  const y = tf.tensor1d(ys, 'int32');
  tf.dispose(model.apply(x) as tf.Tensor); // builds the weights
  if (weights) model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i] as Float32Array, w.shape)));
  const initial = await Promise.all(model.getWeights().map(async (w) => Float32Array.from(await w.data())));
  const optimizer = new AdamW({ learningRate: 1e-3, weightDecay: 0.05 });
  const params = parameterRefs(model);
  const losses: number[] = [];
  const restore = forbidSyncReads('during a training step');
  try {
    for (let step = 0; step < STEPS; step++) {
      const m = await trainStep({
        model,
        params,
        optimizer,
        batch: { x, y },
        loss: (o, t) => crossEntropy(o, t, { labelSmoothing: 0.1 }),
        clipNorm: 1,
        epoch: 0,
        step,
        stepInEpoch: step,
      });
      losses.push(m.loss);
    }
  } finally {
    restore();
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  }
  return { losses, weights: initial };
}

describe('every model family trains without synchronous reads, and on webgpu as on cpu', () => {
  restoreBackendAfterwards();

  it('covers every family', () => {
    const families = new Set(listModels().map((m) => m.family));
    const covered = new Set(PRESETS.map((p) => listModels().find((m) => m.name === p)?.family));
    expect([...families].filter((f) => !covered.has(f))).toEqual([]);
  });

  it.each(PRESETS)('%s', async (name) => {
    const cpu = await train('cpu', name, null);
    expect(cpu.losses.every(Number.isFinite)).toBe(true);
    if (missing !== null) return;
    const gpu = await train('webgpu', name, cpu.weights);
    for (let s = 0; s < STEPS; s++) {
      const c = cpu.losses[s] as number;
      expect(Math.abs((gpu.losses[s] as number) - c), `step ${s}: webgpu ${gpu.losses[s]} vs cpu ${c}`).toBeLessThan(
        1e-3 * Math.max(1, Math.abs(c)),
      );
    }
    console.log(
      `[webgpu] ${name}: losses cpu ${cpu.losses.map((l) => l.toFixed(6)).join(' ')} | webgpu ${gpu.losses.map((l) => l.toFixed(6)).join(' ')}`,
    );
  });
});
