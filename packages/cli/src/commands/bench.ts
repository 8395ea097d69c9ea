import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { initBackend, type BackendChoice } from '@ait/core';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { benchmarkModels, type BenchmarkRow } from '../util/model-benchmark';
import { findPreset } from '../util/model-for-data';
import { formatTable, printJson } from '../util/output';
import { writeJsonAtomic } from '../util/run-config';

/** Options of `ait bench`. */
export interface BenchCommandOptions {
  /** Comma-separated presets; default the CPU-size AiT and ViT presets. */
  models?: string;
  batchSize?: number;
  steps?: number;
  backend?: BackendChoice;
  /** Also write the results as JSON into this folder. */
  out?: string;
  json?: boolean;
}

/**
 * `ait bench`: training-step and inference speed of model presets on this machine (random images
 * at each preset's own size), as one table; `--out` also writes `bench-<time>.json`.
 */
export async function benchCommand(options: BenchCommandOptions, io: CliIo): Promise<number> {
  const models = options.models?.split(',').map((m) => m.trim()).filter((m) => m !== '');
  if (models !== undefined && models.length === 0) throw new CliError('--models needs at least one model name (see `ait models`).', 2);
  for (const m of models ?? []) findPreset(m);
  const info = await initBackend({ backend: options.backend ?? 'auto' });
  if (!options.json) io.stderr(`Benchmarking on ${info.summary}\n`);
  const rows: BenchmarkRow[] = await benchmarkModels({
    ...(models ? { models } : {}),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.steps !== undefined ? { steps: options.steps } : {}),
    onRow: (r) => {
      if (!options.json) io.stderr(`  ${r.model}: ${r.trainImagesPerSecond.toFixed(1)} train img/s\n`);
    },
  });
  const result = { command: 'bench', backend: info.backend, time: new Date().toISOString(), rows };
  if (options.out !== undefined) {
    const dir = resolve(options.out);
    await mkdir(dir, { recursive: true });
    await writeJsonAtomic(join(dir, `bench-${result.time.replace(/[:.]/g, '-')}.json`), result);
  }
  if (options.json) {
    printJson(io, result);
  } else {
    io.stdout(
      formatTable(
        ['model', 'image', 'parameters', 'batch', 'train step ms', 'train img/s', 'inference ms', 'inference img/s'],
        rows.map((r) => [
          r.model,
          r.imageShape.join('x'),
          r.parameters,
          r.batchSize,
          Number(r.trainStepMs.toFixed(1)),
          Number(r.trainImagesPerSecond.toFixed(1)),
          Number(r.inferenceMs.toFixed(1)),
          Number(r.inferenceImagesPerSecond.toFixed(1)),
        ]),
      ),
    );
  }
  return 0;
}
