import { freemem } from 'node:os';
import type { layers } from '@tensorflow/tfjs-layers';
import { crossEntropy, estimateStepMemory, SeededRandom, type Batch } from '@ait/core';
import { datasetBatchSource, type Dataset } from '@ait/datasets';
import { CliError } from './cli-error';

/** tfjs-wasm's memory is 32-bit: 4 GiB at most, for every tensor and its scratch space. */
export const WASM_MEMORY_BYTES = 2 ** 32;

/**
 * A step is refused when its estimate exceeds the budget by this factor. The estimate is the peak
 * of live tensor bytes, which overshoots what backends end up using (ait-tiny-conv on wasm: 4.7 GB
 * estimated at batch 600, 3.2 GB of resident memory measured), so only a step that clearly cannot
 * fit is refused; one that runs out anyway ends with {@link outOfMemoryError}'s message.
 */
const REFUSE_ABOVE = 1.5;

/** What a training step may use on `backend`, and where that number comes from. */
export function memoryBudget(backend: string, env: NodeJS.ProcessEnv = process.env): { bytes: number; what: string } | null {
  const limit = env.AIT_MEMORY_LIMIT;
  if (limit !== undefined && limit !== '') {
    const bytes = Number(limit);
    if (!Number.isFinite(bytes) || bytes <= 0) {
      throw new CliError(`AIT_MEMORY_LIMIT must be a number of bytes (e.g. 8e9), got ${JSON.stringify(limit)}.`, 2);
    }
    return { bytes, what: `the AIT_MEMORY_LIMIT of ${gigabytes(bytes)}` };
  }
  if (backend === 'wasm') return { bytes: WASM_MEMORY_BYTES, what: "the wasm backend's 4 GB of memory" };
  if (backend === 'cpu' || backend === 'tensorflow')
    return { bytes: freemem(), what: `this machine's ${gigabytes(freemem())} of free memory` };
  return null; // GPU backends: their memory is not known in advance
}

function gigabytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(bytes >= 1e7 ? 0 : 1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1e3))} KB`;
}

/** The first `n` training examples as one batch. */
async function firstBatch(data: Dataset, n: number): Promise<Batch> {
  const source = datasetBatchSource(data, { batchSize: n, shuffle: false });
  for await (const batch of source.batches(0, new SeededRandom(0))) return batch;
  throw new CliError(`the training set ${data.name} is empty.`, 2);
}

/**
 * Refuses, before the first step, a batch size whose training step clearly cannot fit in memory: the
 * step's memory is measured on batches of 1 and 2 (`estimateStepMemory`) and extrapolated to the
 * batch the run will use (at most the training set's size). The message says how much a step
 * needs and the largest batch size that fits. Out-of-memory inside tfjs-wasm otherwise ends in an
 * unreadable `Aborted()`.
 */
export async function checkStepMemory(model: layers.Layer, data: Dataset, batchSize: number, backend: string): Promise<void> {
  const budget = memoryBudget(backend);
  if (budget === null || (data.size ?? 0) < 2) return;
  const batch = Math.min(batchSize, data.size ?? batchSize);
  const estimate = await estimateStepMemory(model, (n) => firstBatch(data, n), crossEntropy);
  const needed = estimate.bytesFor(batch);
  if (needed <= budget.bytes * REFUSE_ABOVE) return;
  const fits = Math.max(0, Math.floor((budget.bytes - estimate.fixedBytes) / Math.max(1, estimate.bytesPerExample)));
  throw new CliError(
    `A training step of this model at batch size ${batch} needs about ${gigabytes(needed)} of tensor memory ` +
      `(${gigabytes(estimate.bytesPerExample)} per example), far more than fits in ${budget.what}. ` +
      (fits >= 1 ? `Lower --batch-size to ${fits} or less, or use a smaller model.` : 'Use a smaller model.'),
    2,
  );
}

/** How tfjs-wasm, V8 and tfjs report running out of memory. */
const OUT_OF_MEMORY =
  /Aborted\(\)|out of memory|Cannot enlarge memory|Array buffer allocation failed|Invalid typed array length|RangeError: WebAssembly\.Memory/i;

/**
 * A clear error for a run that ran out of memory during training (what tfjs-wasm reports as
 * `Aborted()`), or `undefined` when `err` is something else.
 */
export function outOfMemoryError(err: unknown, batchSize: number, runDir: string): CliError | undefined {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  if (!OUT_OF_MEMORY.test(message)) return undefined;
  return new CliError(
    `Training ran out of memory at batch size ${batchSize} (the backend said: ${message.split('\n')[0]}). ` +
      `The checkpoints in ${runDir} are intact. Start a new run with a lower --batch-size (e.g. ${Math.max(1, Math.floor(batchSize / 2))}) ` +
      'or a smaller model: the batch size is part of a run, so --resume keeps it.',
    1,
    { cause: err },
  );
}
