import * as tf from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { AdamW, initBackend, SeededRandom, setGlobalSeed, Trainer, type BatchSource } from '@ait/core';
import { countGpuSyncReads } from './sync-reads';

/**
 * The backends a scenario runs on: `wasm` and `cpu` in Node and in Chromium alike, `webgpu` in a
 * page of a Chromium that has a WebGPU adapter (`src/chromium-webgpu.ts`).
 */
export type ScenarioBackend = 'wasm' | 'cpu' | 'webgpu';

/** What a scenario reports: the loss of every training step and the backend that ran. */
export interface ScenarioResult {
  readonly scenario: string;
  readonly backend: string;
  readonly losses: number[];
  /** On webgpu: the WebGPU adapter that ran, as `initBackend` names it. */
  readonly adapter?: string;
  /** On webgpu: synchronous reads from the GPU while the model was built and trained (should be 0). */
  readonly gpuSyncReads?: number;
  /** On webgpu: the call stacks of the first synchronous reads from the GPU, if any. */
  readonly gpuSyncReadStacks?: readonly string[];
}

/** Seeded standard-normal images `[count, size, size, 1]` and labels in `[0, classes)`. */
export function seededImages(count: number, size: number, classes: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const rng = new SeededRandom(seed);
  const labels = Array.from({ length: count }, (_, i) => i % classes);
  // each class brightens its own band of rows, so there is something to learn
  const pixels = new Float32Array(count * size * size);
  for (let i = 0; i < count; i++) {
    for (let p = 0; p < size * size; p++) {
      const row = Math.floor(p / size);
      const band = Math.floor((row * classes) / size) === labels[i] ? 1.5 : 0;
      pixels[i * size * size + p] = rng.normal() * 0.5 + band;
    }
  }
  return { x: tf.tensor4d(pixels, [count, size, size, 1]), y: tf.tensor1d(labels, 'int32') };
}

/**
 * Selects `backend` with the library's `initBackend` (wasm on one thread, so a page and Node
 * compute alike), seeds the library's random stream, builds the model and the data (`source`,
 * on the selected backend) and trains with the library's Trainer and AdamW for `epochs`,
 * recording every step's loss (on webgpu also the adapter, and any synchronous read from the GPU).
 */
export async function trainScenario(
  scenario: string,
  backend: ScenarioBackend,
  build: () => layers.Layer,
  source: () => BatchSource,
  epochs: number,
): Promise<ScenarioResult> {
  const info = await initBackend({ backend, ...(backend === 'wasm' ? { wasmThreads: 1 } : {}) });
  const reads = backend === 'webgpu' ? countGpuSyncReads() : null;
  setGlobalSeed(7);
  const model = build();
  const losses: number[] = [];
  const trainer = new Trainer({
    model,
    optimizer: new AdamW({ learningRate: 3e-3 }),
    seed: 11,
    callbacks: { onStepEnd: (m) => void losses.push(m.loss) },
  });
  await trainer.fit(source(), { epochs });
  if (!reads) return { scenario, backend: info.tfjsBackend, losses };
  return {
    scenario,
    backend: info.tfjsBackend,
    losses,
    ...(info.webgpuAdapter ? { adapter: info.webgpuAdapter.name } : {}),
    gpuSyncReads: reads.count(),
    gpuSyncReadStacks: reads.stacks(),
  };
}
