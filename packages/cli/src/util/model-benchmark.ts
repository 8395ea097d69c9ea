import * as tf from '@tensorflow/tfjs-core';
import {
  AdamW,
  applyModel,
  countParameters,
  createForwardContext,
  crossEntropy,
  discardStateUpdates,
  parameterRefs,
  releaseAuxLosses,
  runWithForwardContext,
  SeededRandom,
  setGlobalSeed,
  trainStep,
} from '@ait/core';
import { createModel, listModels } from '@ait/vision';
import { buildForData } from './model-for-data';

/** One row of the benchmark table: a preset's training and inference speed on random images. */
export interface BenchmarkRow {
  readonly model: string;
  /** `[height, width, channels]` the preset was run at (its own image size). */
  readonly imageShape: readonly number[];
  readonly parameters: number;
  readonly batchSize: number;
  /** Median milliseconds of one training step (forward, backward, AdamW) over the timed steps. */
  readonly trainStepMs: number;
  /** Training images per second, from the median step. */
  readonly trainImagesPerSecond: number;
  /** Median milliseconds of one inference pass over a batch. */
  readonly inferenceMs: number;
  /** Inference images per second, from the median pass. */
  readonly inferenceImagesPerSecond: number;
}

/** Options of {@link benchmarkModels}. */
export interface BenchmarkOptions {
  /** Presets to run; default the CPU-size AiT and ViT presets. */
  readonly models?: readonly string[];
  /** Images per batch; default 32. */
  readonly batchSize?: number;
  /** Timed steps (after one untimed warm-up step); default 5. */
  readonly steps?: number;
  /** Called after each model with its row. */
  readonly onRow?: (row: BenchmarkRow) => void;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** The presets `ait bench` runs by default: every CPU-size AiT and ViT preset. */
export function defaultBenchmarkModels(): string[] {
  return listModels({ scale: 'cpu' })
    .filter((m) => m.family === 'ait' || m.family === 'vit')
    .map((m) => m.name);
}

/**
 * Times training steps and inference passes of each preset at its own image size with random
 * images `[batch, H, W, C]` and labels (seeded), on the current backend. Returns one row per model.
 */
export async function benchmarkModels(options: BenchmarkOptions = {}): Promise<BenchmarkRow[]> {
  const names = options.models ?? defaultBenchmarkModels();
  const batchSize = options.batchSize ?? 32;
  const steps = options.steps ?? 5;
  const rows: BenchmarkRow[] = [];
  for (const name of names) {
    const info = listModels().find((m) => m.name === name);
    if (!info) throw new Error(`benchmarkModels: unknown model "${name}".`);
    setGlobalSeed(0);
    const size = Number(info.defaults.imageSize ?? 32);
    const channels = Number(info.defaults.channels ?? 3);
    const classes = Number(info.defaults.classes ?? 10);
    const shape = [size, size, channels] as const;
    const model = createModel(name);
    const rng = new SeededRandom(1);
    const x = tf.tensor4d(
      Float32Array.from({ length: batchSize * size * size * channels }, () => rng.normal()),
      [batchSize, ...shape],
    );
    const y = tf.tensor1d(
      Int32Array.from({ length: batchSize }, () => rng.nextInt(classes)),
      'int32',
    );
    try {
      buildForData(model, { imageShape: shape, extraInputs: [] });
      const params = parameterRefs(model);
      const optimizer = new AdamW({ learningRate: 1e-4 });
      const trainTimes: number[] = [];
      for (let i = 0; i <= steps; i++) {
        const t0 = performance.now();
        await trainStep({
          model,
          params,
          optimizer,
          batch: { x, y },
          loss: (o, t) => crossEntropy(o, t),
          epoch: 0,
          step: i,
          stepInEpoch: i,
        });
        if (i > 0) trainTimes.push(performance.now() - t0);
      }
      const inferTimes: number[] = [];
      for (let i = 0; i <= steps; i++) {
        const ctx = createForwardContext(false);
        const t0 = performance.now();
        const out = tf.tidy(() => runWithForwardContext(ctx, () => applyModel(model, x, false)));
        await out.data();
        if (i > 0) inferTimes.push(performance.now() - t0);
        out.dispose();
        releaseAuxLosses(ctx);
        discardStateUpdates(ctx);
      }
      optimizer.dispose();
      const trainStepMs = median(trainTimes);
      const inferenceMs = median(inferTimes);
      const row: BenchmarkRow = {
        model: name,
        imageShape: [...shape],
        parameters: countParameters(model).total,
        batchSize,
        trainStepMs,
        trainImagesPerSecond: (batchSize * 1000) / trainStepMs,
        inferenceMs,
        inferenceImagesPerSecond: (batchSize * 1000) / inferenceMs,
      };
      rows.push(row);
      options.onRow?.(row);
    } finally {
      x.dispose();
      y.dispose();
      model.dispose();
    }
  }
  return rows;
}
