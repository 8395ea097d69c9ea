import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  benchAttention,
  benchMatMul,
  benchTrain,
  initBackend,
  type AttentionBenchResult,
  type BackendChoice,
  type MatMulBenchResult,
  type TrainBenchResult,
} from '@ait/core';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { benchmarkModels, type BenchmarkRow } from '../util/model-benchmark';
import { findPreset } from '../util/model-for-data';
import { formatTable, printJson } from '../util/output';
import { writeJsonAtomic } from '../util/run-config';

/** Suites `ait bench --suite` runs: model presets, `@ait/core`'s kernel cases, or both. */
export const BENCH_SUITES = ['all', 'models', 'kernels'] as const;

/** `@ait/core`'s kernel benchmark cases as `ait bench` runs them (the quick sizes of `pnpm bench`). */
export interface KernelBenchRows {
  /** Matmul GFLOP/s for every transpose case at 128, 256 and 512. */
  matmul: MatMulBenchResult[];
  /** Attention `[64, 4, 64, 32]` forward and forward + backward. */
  attention: AttentionBenchResult;
  /** The reference ViT's training step (fused layers, AdamW). */
  train: TrainBenchResult;
}

/** Options of `ait bench`. */
export interface BenchCommandOptions {
  /** Which suites to run; default `all`. */
  suite?: (typeof BENCH_SUITES)[number];
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
 * `ait bench`: the benchmark suites of the packages on this machine as one table: training-step
 * and inference speed of model presets (random images at each preset's own size) and
 * `@ait/core`'s kernel cases (matmul GFLOP/s for every transpose case, attention, the reference
 * ViT's training step; `pnpm bench` runs the same cases on every backend and against PyTorch).
 * `--out` also writes `bench-<time>.json`.
 */
export async function benchCommand(options: BenchCommandOptions, io: CliIo): Promise<number> {
  const suite = options.suite ?? 'all';
  if (!(BENCH_SUITES as readonly string[]).includes(suite)) {
    throw new CliError(`Unknown suite "${suite}"; choose one of ${BENCH_SUITES.join(', ')}.`, 2);
  }
  const models = options.models
    ?.split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if (models !== undefined && models.length === 0) throw new CliError('--models needs at least one model name (see `ait models`).', 2);
  for (const m of models ?? []) findPreset(m);
  const info = await initBackend({ backend: options.backend ?? 'auto' });
  if (!options.json) io.stderr(`Benchmarking on ${info.summary}\n`);
  const rows: BenchmarkRow[] =
    suite === 'kernels'
      ? []
      : await benchmarkModels({
          ...(models ? { models } : {}),
          ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
          ...(options.steps !== undefined ? { steps: options.steps } : {}),
          onRow: (r) => {
            if (!options.json) io.stderr(`  ${r.model}: ${r.trainImagesPerSecond.toFixed(1)} train img/s\n`);
          },
        });
  let kernels: KernelBenchRows | null = null;
  if (suite !== 'models') {
    if (!options.json) io.stderr('  kernels: matmul, attention, reference ViT step\n');
    kernels = {
      matmul: await benchMatMul([128, 256, 512], 200),
      attention: await benchAttention(3),
      train: await benchTrain('fused', options.steps ?? 3, 1),
    };
  }
  const result = { command: 'bench', backend: info.backend, time: new Date().toISOString(), rows, kernels };
  if (options.out !== undefined) {
    const dir = resolve(options.out);
    await mkdir(dir, { recursive: true });
    await writeJsonAtomic(join(dir, `bench-${result.time.replace(/[:.]/g, '-')}.json`), result);
  }
  if (options.json) {
    printJson(io, result);
  } else {
    io.stdout(formatTable(['suite', 'case', 'ms', 'rate', 'unit'], tableRows(rows, kernels)));
  }
  return 0;
}

const round = (x: number): number => Number(x.toFixed(1));

/** One table for both suites: what was timed, its time in ms and its rate. */
function tableRows(rows: readonly BenchmarkRow[], kernels: KernelBenchRows | null): (string | number)[][] {
  const out: (string | number)[][] = [];
  for (const r of rows) {
    const what = `${r.model} (${r.imageShape.join('x')}, ${r.parameters} parameters, batch ${r.batchSize})`;
    out.push(['models', `${what} train step`, round(r.trainStepMs), round(r.trainImagesPerSecond), 'img/s']);
    out.push(['models', `${what} inference`, round(r.inferenceMs), round(r.inferenceImagesPerSecond), 'img/s']);
  }
  if (kernels) {
    for (const m of kernels.matmul) out.push(['kernels', `matmul ${m.n} x ${m.n} ${m.case}`, round(m.ms), round(m.gflops), 'GFLOP/s']);
    const a = kernels.attention;
    out.push(['kernels', 'attention [64, 4, 64, 32] forward', round(a.forward_ms), '-', '-']);
    out.push(['kernels', 'attention [64, 4, 64, 32] forward + backward', round(a.forward_backward_ms), '-', '-']);
    const t = kernels.train;
    out.push([
      'kernels',
      `reference ViT train step (batch ${t.batch}, ${t.params} parameters)`,
      round(t.median_ms),
      round(t.images_per_s),
      'img/s',
    ]);
  }
  return out;
}
