import type { SeededRandom } from '@ait/core';
import type { Sample } from './sample';
import type { SampleGrouping } from './sample-grouping';

export type { Sample } from './sample';

/** Image layout of a data set: `[height, width, channels]`, pixels stored row-major, channel innermost. */
export type ImageShape = readonly [height: number, width: number, channels: number];

/**
 * Per-channel normalisation statistics on the `[0, 1]` pixel scale: the pipeline maps a pixel
 * value `v` (0..255 for `Uint8Array` images, 0..1 for `Float32Array` ones) of channel `c` to
 * `(v / 255 - mean[c]) / std[c]` (or `(v - mean[c]) / std[c]` for float images).
 */
export interface NormalizationStats {
  /** One mean per channel, on the `[0, 1]` scale. */
  readonly mean: readonly number[];
  /** One standard deviation per channel, on the `[0, 1]` scale, each > 0. */
  readonly std: readonly number[];
}

/** A model input beside the image, e.g. the Sort-of-CLEVR question vector of shape `[18]`. */
export interface ExtraInputSpec {
  /** What the input holds, e.g. `question`. */
  readonly name: string;
  /** Shape of one sample's input, without the batch dimension, e.g. `[18]`. */
  readonly shape: readonly number[];
}

/** What every data set declares about itself; label names and class counts travel with the data. */
export interface DatasetInfo {
  /** Short name, e.g. `mnist-train` or `sort-of-clevr-test`. */
  readonly name: string;
  /** Number of samples (per epoch, for freshly generated data), or `undefined` when unknown in advance. */
  readonly size: number | undefined;
  /** `[height, width, channels]` of every image. */
  readonly imageShape: ImageShape;
  /** Number of classes; labels are integers in `[0, numClasses)`. */
  readonly numClasses: number;
  /** One human-readable name per class, indexed by label. */
  readonly labelNames: readonly string[];
  /** Per-channel statistics the pipeline normalises with by default. */
  readonly normalization: NormalizationStats;
  /** Model inputs beside the image; empty for image-only data sets. */
  readonly extraInputs: readonly ExtraInputSpec[];
  /**
   * Ways to sort the samples into groups for accuracy per group (e.g. Sort-of-CLEVR's question
   * types and sub-questions); absent when the data set has none. See `exampleGroupings`.
   */
  readonly groupings?: readonly SampleGrouping[];
  /** Releases open files, if the data set holds any; the data set must not be used afterwards. */
  close?(): Promise<void>;
}

/** A data set held in memory (or generated on demand) with synchronous random access. */
export interface RandomAccessDataset<E = unknown> extends DatasetInfo {
  readonly access: 'random';
  readonly size: number;
  /** The sample at `index` in `[0, size)`; the same index always gives the same sample. */
  get(index: number): Sample<E>;
}

/** A data set read from disk on demand (larger than memory), with asynchronous random access. */
export interface AsyncRandomAccessDataset<E = unknown> extends DatasetInfo {
  readonly access: 'async-random';
  readonly size: number;
  /** Reads the sample at `index` in `[0, size)`; several reads may run at once. */
  read(index: number): Promise<Sample<E>>;
}

/** A data set that can only be read front to back (a compressed stream, or freshly generated samples). */
export interface StreamingDataset<E = unknown> extends DatasetInfo {
  readonly access: 'stream';
  /**
   * One pass over the data. Freshly generated data sets draw their samples from `rng`, so a pass
   * is reproducible for a given rng state; data read from files ignores it.
   */
  stream(rng: SeededRandom): AsyncIterable<Sample<E>>;
}

/**
 * A data set shared by the CLI and user code: its description ({@link DatasetInfo}) plus one of
 * three ways to reach the samples (`access`): synchronous random access, asynchronous random
 * access, or a stream. `E` is the type of each sample's `extra` metadata.
 */
export type Dataset<E = unknown> = RandomAccessDataset<E> | AsyncRandomAccessDataset<E> | StreamingDataset<E>;

/** Number of values of one image, `H * W * C`. */
export function imageLength(shape: ImageShape): number {
  return shape[0] * shape[1] * shape[2];
}
