import { type Batch, type BatchSource, SeededRandom, validateConfig, z } from '@ait/core';
import { type Dataset, type DatasetInfo, type NormalizationStats, type Sample } from '../dataset/dataset';
import { type AugmentationOptions, type AugmentationPlan, drawAugmentation, isAugmenting } from './augmentation';
import { assembleBatch } from './batch-assembly';
import { shuffleBuffer } from './shuffle-buffer';

/** Options of {@link datasetBatchSource}. */
export interface DatasetBatchOptions {
  /** Samples per batch, integer >= 1. */
  batchSize: number;
  /** Shuffle every epoch (default true): a permutation for random-access data, a shuffle buffer for streams. */
  shuffle?: boolean;
  /** Drop the last, smaller batch of an epoch; default false. */
  dropLast?: boolean;
  /** Augmentation (random crop with padding, horizontal flip); default none. Use it for training only. */
  augment?: AugmentationOptions;
  /**
   * `true` (default): normalise with the data set's statistics; `false`: only scale bytes to
   * `[0, 1]`; or explicit per-channel statistics.
   */
  normalize?: boolean | NormalizationStats;
  /** Shuffle-buffer size for streaming data sets; default 1024. */
  shuffleBufferSize?: number;
  /** Asynchronous data: batches read ahead while the current one is used; default 1. */
  readAhead?: number;
}

/** A {@link BatchSource} over a data set, which it also exposes. */
export interface DatasetBatchSource extends BatchSource {
  /** The data set the batches come from (its label names, class count, shapes). */
  readonly dataset: DatasetInfo;
}

const statsSchema = z.object({
  mean: z.array(z.number().finite()),
  std: z.array(z.number().finite().positive('must be > 0')),
});

const schema = z.strictObject({
  batchSize: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1'),
  shuffle: z.boolean('must be true or false').default(true),
  dropLast: z.boolean('must be true or false').default(false),
  augment: z
    .strictObject({
      cropPadding: z.number().int('must be an integer').min(0, 'must be >= 0').optional(),
      horizontalFlip: z.boolean('must be true or false').optional(),
    })
    .optional(),
  normalize: z.union([z.boolean(), statsSchema], 'must be true, false or { mean: number[], std: number[] }').default(true),
  shuffleBufferSize: z.number().int().min(1, 'must be >= 1').default(1024),
  readAhead: z.number().int().min(0, 'must be >= 0').default(1),
});

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/**
 * Turns a data set into a `BatchSource` for the `@ait/core` Trainer and `evaluateModel`: `x`
 * float32 `[B, H, W, C]` (for data sets with extra inputs, e.g. Sort-of-CLEVR,
 * `x = [images [B, 75, 75, 3], questions [B, 18]]`) and `y` int32 `[B]`.
 *
 * Every random choice is drawn from the rng that `batches(epoch, rng)` receives, at the moment it
 * is called, in this order: the shuffle permutation (random-access data, `rng.permutation(size)`),
 * one seed for the augmentation stream, then (streams) one seed for the data stream and one for
 * the shuffle buffer. So the same rng state gives the same batches, and a resumed Trainer run
 * sees the same order. Tensors are created lazily, one batch when the iterator reaches it:
 * random-access data gives a plain iterable, disk and streamed data an async one (reading ahead
 * `readAhead` batches).
 */
export function datasetBatchSource(dataset: Dataset, options: DatasetBatchOptions): DatasetBatchSource {
  const o = validateConfig('datasetBatchSource', schema, options);
  const channels = dataset.imageShape[2];
  const stats: NormalizationStats | null = o.normalize === false ? null : o.normalize === true ? dataset.normalization : o.normalize;
  if (stats && (stats.mean.length !== channels || stats.std.length !== channels)) {
    throw new Error(
      `datasetBatchSource '${dataset.name}': normalisation statistics need one mean and one std per channel (${channels}), ` +
        `got ${stats.mean.length} and ${stats.std.length}.`,
    );
  }
  const augment = isAugmenting(o.augment) ? (o.augment as AugmentationOptions) : undefined;
  const size = dataset.size;
  const count = size === undefined ? undefined : o.dropLast ? Math.floor(size / o.batchSize) : Math.ceil(size / o.batchSize);
  if (count === 0) {
    throw new Error(
      `datasetBatchSource '${dataset.name}': ${size === 0 ? 'the data set is empty' : `batchSize ${o.batchSize} exceeds the ${size} samples and dropLast is true`}, ` +
        'so an epoch would have no batch; lower batchSize or set dropLast to false.',
    );
  }
  const plansFor = (augRng: SeededRandom | undefined, n: number): (AugmentationPlan | undefined)[] | undefined =>
    augRng && augment ? Array.from({ length: n }, () => drawAugmentation(augRng, augment)) : undefined;
  const assemble = (samples: Sample[], augRng: SeededRandom | undefined): Batch =>
    assembleBatch(samples, dataset, stats, plansFor(augRng, samples.length));

  const source: DatasetBatchSource = {
    dataset,
    batches(_epoch: number, rng: SeededRandom): Iterable<Batch> | AsyncIterable<Batch> {
      if (dataset.access === 'random' || dataset.access === 'async-random') {
        const n = dataset.size;
        const order = o.shuffle ? rng.permutation(n) : identity(n);
        const augRng = augment ? new SeededRandom(rng.nextSeed()) : undefined;
        const batchCount = count as number;
        const indicesOf = (b: number): Int32Array => order.subarray(b * o.batchSize, Math.min(n, (b + 1) * o.batchSize));
        if (dataset.access === 'random') {
          const memory = dataset;
          return {
            *[Symbol.iterator]() {
              for (let b = 0; b < batchCount; b++)
                yield assemble(
                  Array.from(indicesOf(b), (i) => memory.get(i)),
                  augRng,
                );
            },
          };
        }
        const disk = dataset;
        return {
          async *[Symbol.asyncIterator]() {
            const pending: Promise<Sample[]>[] = [];
            const start = (b: number): void => {
              const p = Promise.all(Array.from(indicesOf(b), (i) => disk.read(i)));
              p.catch(() => undefined); // surfaced when awaited; no unhandled rejection if the consumer stops early
              pending.push(p);
            };
            let next = 0;
            while (next < Math.min(batchCount, 1 + o.readAhead)) start(next++);
            for (let b = 0; b < batchCount; b++) {
              const samples = await (pending.shift() as Promise<Sample[]>);
              if (next < batchCount) start(next++);
              yield assemble(samples, augRng);
            }
          },
        };
      }
      const augRng = augment ? new SeededRandom(rng.nextSeed()) : undefined;
      const streamRng = new SeededRandom(rng.nextSeed());
      const bufferRng = o.shuffle ? new SeededRandom(rng.nextSeed()) : undefined;
      const streaming = dataset;
      return {
        async *[Symbol.asyncIterator]() {
          const samples = streaming.stream(streamRng);
          const ordered = bufferRng ? shuffleBuffer(samples, o.shuffleBufferSize, bufferRng) : samples;
          let pending: Sample[] = [];
          for await (const s of ordered) {
            pending.push(s);
            if (pending.length === o.batchSize) {
              const full = pending;
              pending = [];
              yield assemble(full, augRng);
            }
          }
          if (pending.length > 0 && !o.dropLast) yield assemble(pending, augRng);
        },
      };
    },
  };
  if (count !== undefined) source.numBatches = () => count;
  return source;
}
