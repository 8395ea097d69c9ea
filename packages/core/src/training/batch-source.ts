import * as tf from '@tensorflow/tfjs-core';
import { validateConfig, z } from '../config/validate-config';
import type { SeededRandom } from '../random/seeded-random';

/**
 * One mini-batch: model input(s) `x` (each `[batch, ...]`) and targets `y` (`[batch]` class
 * indices for the default loss). The training loop disposes a batch once it has used it.
 */
export interface Batch {
  readonly x: tf.Tensor | tf.Tensor[];
  readonly y: tf.Tensor;
}

/**
 * A source of mini-batches, one pass per epoch. `batches(epoch, rng)` must be deterministic given
 * `epoch` and the state of `rng` (draw every random number, e.g. the shuffle order, from `rng`),
 * so that a run resumed from a checkpoint sees the same batches as an uninterrupted one.
 * Batches are produced lazily; the consumer disposes each batch it takes.
 */
export interface BatchSource {
  /**
   * The batches of one epoch, in order: a plain iterable for in-memory data, or an async iterable
   * for data streamed from disk or generated on the fly.
   */
  batches(epoch: number, rng: SeededRandom): Iterable<Batch> | AsyncIterable<Batch>;
  /** Number of batches per epoch, when known in advance. */
  numBatches?(): number;
}

/** A {@link BatchSource} whose batches come from a plain (synchronous) iterable, e.g. in-memory data. */
export interface SyncBatchSource extends BatchSource {
  batches(epoch: number, rng: SeededRandom): Iterable<Batch>;
}

/** Options of {@link tensorBatchSource}. */
export interface TensorBatchSourceOptions {
  /** Examples per batch, integer >= 1. */
  batchSize: number;
  /** Reshuffle the examples every epoch with the given rng; default true. */
  shuffle?: boolean;
  /** Drop the last, smaller batch of an epoch; default false. */
  dropRemainder?: boolean;
}

const optionsSchema = z.strictObject({
  batchSize: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1'),
  shuffle: z.boolean('must be true or false').default(true),
  dropRemainder: z.boolean('must be true or false').default(false),
});

/** Disposes the tensors of a batch (all inputs and the targets). */
export function disposeBatch(batch: Batch): void {
  const xs = Array.isArray(batch.x) ? batch.x : [batch.x];
  for (const t of xs) if (!t.isDisposed) t.dispose();
  if (!batch.y.isDisposed) batch.y.dispose();
}

/**
 * Mini-batches over in-memory tensors: `x` is `[n, ...]` (or a list of such, one per model input)
 * and `y` `[n, ...]`. Each epoch draws its order from the rng it is given (one
 * `rng.permutation(n)` call when `batches()` is called, none without shuffling), so the same rng
 * state gives the same order. Every batch is a fresh pair of tensors gathered from `x` and `y`,
 * created only when the iterator reaches it; `x` and `y` stay owned by the caller.
 */
export function tensorBatchSource(x: tf.Tensor | tf.Tensor[], y: tf.Tensor, options: TensorBatchSourceOptions): SyncBatchSource {
  const { batchSize, shuffle, dropRemainder } = validateConfig('tensorBatchSource', optionsSchema, options);
  const inputs = Array.isArray(x) ? x : [x];
  if (inputs.length === 0) throw new Error('tensorBatchSource: x is an empty list; pass at least one input tensor.');
  if (!(y instanceof tf.Tensor) || y.rank < 1) {
    throw new Error('tensorBatchSource: y must be a tensor of shape [n, ...] (e.g. [n] class indices).');
  }
  const n = y.shape[0] as number;
  inputs.forEach((t, i) => {
    if (!(t instanceof tf.Tensor) || t.rank < 1 || t.shape[0] !== n) {
      const shape = t instanceof tf.Tensor ? `[${t.shape.join(', ')}]` : String(t);
      throw new Error(
        `tensorBatchSource: x${Array.isArray(x) ? `[${i}]` : ''} has shape ${shape} but y has ${n} examples; ` +
          'every input must be [n, ...] with the same n as y.',
      );
    }
  });
  if (n === 0) throw new Error('tensorBatchSource: the data set is empty (y has 0 examples).');
  const count = dropRemainder ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  if (count === 0) {
    throw new Error(
      `tensorBatchSource: batchSize ${batchSize} is larger than the ${n} examples and dropRemainder is true, ` +
        'so an epoch would have no batch; lower batchSize or set dropRemainder to false.',
    );
  }

  return {
    numBatches: () => count,
    batches(_epoch: number, rng: SeededRandom): Iterable<Batch> {
      const order = shuffle ? rng.permutation(n) : Int32Array.from({ length: n }, (_, i) => i);
      return {
        *[Symbol.iterator](): Iterator<Batch> {
          for (let b = 0; b < count; b++) {
            const start = b * batchSize;
            const indices = order.slice(start, Math.min(n, start + batchSize));
            yield tf.tidy(() => {
              const idx = tf.tensor1d(indices, 'int32');
              const xb = inputs.map((t) => tf.gather(t, idx));
              return { x: Array.isArray(x) ? xb : (xb[0] as tf.Tensor), y: tf.gather(y, idx) };
            });
          }
        },
      };
    },
  };
}
