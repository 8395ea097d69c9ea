import * as tf from '@tensorflow/tfjs-core';
import { AdamW, crossEntropy, initBackend, parameterRefs, setGlobalSeed, trainStep } from '@ait/core';
import { createModel } from '@ait/vision';
import { seededImages } from './scenario';

/** Training-step times of one model on one backend, in milliseconds. */
export interface StepTiming {
  readonly model: string;
  readonly backend: string;
  readonly batch: number;
  readonly stepsMs: number[];
  readonly medianMs: number;
}

/**
 * Times `steps` training steps (after `warmup`) of the registry's `ait-tiny` (16 x 16 grey, batch
 * 32) on wasm with one thread, the configuration a page has: forward, backward and AdamW, with the
 * loss read back each step.
 */
export async function timeAitTinySteps(steps: number, warmup: number): Promise<StepTiming> {
  await initBackend({ backend: 'wasm', wasmThreads: 1 });
  setGlobalSeed(3);
  const model = createModel('ait-tiny', { channels: 1, classes: 3 });
  model.build([null, 16, 16, 1]);
  const params = parameterRefs(model);
  const optimizer = new AdamW({ learningRate: 1e-3 });
  const { x, y } = seededImages(32, 16, 3, 9);
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    await trainStep({ model, params, optimizer, batch: { x, y }, loss: (o, t) => crossEntropy(o, t), epoch: 0, step: i, stepInEpoch: i });
    if (i >= warmup) times.push(performance.now() - t0);
  }
  tf.dispose([x, y]);
  const sorted = [...times].sort((a, b) => a - b);
  return { model: 'ait-tiny', backend: 'wasm', batch: 32, stepsMs: times, medianMs: sorted[Math.floor(sorted.length / 2)] as number };
}
