import { validateConfig, z } from '@ait/core';
import { type NormalizationStats, type RandomAccessDataset, type StreamingDataset } from '../dataset/dataset';
import { normalizationFromPixels } from '../dataset/normalization-stats';
import {
  type OrientedBarsOptions,
  type OrientedBarsScene,
  orientedBarsLabelNames,
  renderOrientedBars,
  resolveOrientedBarsOptions,
  sampleOrientedBars,
} from './oriented-bars';
import { type SyntheticSplit, checkIndex, countSchema, exampleRng, seedSchema, splitSchema } from './synthetic-options';

/** Default sizes of the oriented-bars splits (any size can be asked for; examples are generated on demand). */
export const ORIENTED_BARS_SPLIT_SIZES: Readonly<Record<SyntheticSplit, number>> = { train: 10_000, test: 2_000 };

/** Images generated (from a fixed stream, the same for every seed and split) to measure the normalisation statistics. */
export const ORIENTED_BARS_STATS_SAMPLES = 256;

/** Options of {@link orientedBarsDataset}: the generator's options plus the split, size, seed and channels. */
export interface OrientedBarsDatasetOptions extends OrientedBarsOptions {
  /** Split; default `train`. */
  split?: SyntheticSplit;
  /** Number of examples; default 10,000 (train) or 2,000 (test). */
  size?: number;
  /** Seed of the set; default 0. */
  seed?: number | string;
  /** 1 (default) or 3 channels (the grey value repeated). */
  channels?: 1 | 3;
}

/** Options of {@link freshOrientedBarsDataset}: the generator's options plus the examples per pass and channels. */
export interface FreshOrientedBarsOptions extends OrientedBarsOptions {
  /** Examples generated per pass (epoch). */
  samplesPerEpoch: number;
  /** 1 (default) or 3 channels. */
  channels?: 1 | 3;
}

const channelsSchema = z.union([z.literal(1), z.literal(3)], { message: 'must be 1 or 3' });

// The generator's own options are checked (strictly) by resolveOrientedBarsOptions; these schemas check the rest.
const fixedSchema = z.object({
  split: splitSchema.default('train'),
  size: countSchema.optional(),
  seed: seedSchema.default(0),
  channels: channelsSchema.default(1),
});
const freshSchema = z.object({ samplesPerEpoch: countSchema, channels: channelsSchema.default(1) });

const statsCache = new Map<string, NormalizationStats>();

/**
 * Normalisation statistics of oriented-bars images drawn with `options`: the mean and standard
 * deviation (on the `[0, 1]` scale) of {@link ORIENTED_BARS_STATS_SAMPLES} images from a fixed
 * stream, so train and test sets of any seed share them. Cached per options.
 */
export function orientedBarsNormalization(options: OrientedBarsOptions = {}, channels: 1 | 3 = 1): NormalizationStats {
  const o = resolveOrientedBarsOptions(options, 'orientedBarsNormalization');
  const key = JSON.stringify([o.imageSize, o.classes, o.bars, o.noise, o.angleJitter]);
  let grey = statsCache.get(key);
  if (!grey) {
    const pixels = new Uint8Array(ORIENTED_BARS_STATS_SAMPLES * o.imageSize * o.imageSize);
    for (let i = 0; i < ORIENTED_BARS_STATS_SAMPLES; i++) {
      const scene = sampleOrientedBars(exampleRng('oriented-bars-stats', 'train', 0, i), o, i % o.classes);
      pixels.set(renderOrientedBars(scene), i * o.imageSize * o.imageSize);
    }
    grey = normalizationFromPixels(pixels, 1);
    statsCache.set(key, grey);
  }
  const m = grey.mean[0] as number;
  const s = grey.std[0] as number;
  return { mean: Array.from({ length: channels }, () => m), std: Array.from({ length: channels }, () => s) };
}

/**
 * A fixed, seeded oriented-bars set: grey `[imageSize, imageSize, channels]` images of one or a few bars
 * whose label is their orientation class (by default 4 classes: 0, 45, 90 and 135 degrees, see
 * {@link sampleOrientedBars}). Example `i` is generated on demand from its own random stream
 * (seed, split and `i`), so the set needs no memory, any size is reproducible and examples can
 * be read in any order. Labels cycle through the classes (`label = i mod classes`), so every
 * class has the same number of examples (up to one); the pipeline shuffles them. Each sample's
 * `extra` is its {@link OrientedBarsScene}.
 */
export function orientedBarsDataset(options: OrientedBarsDatasetOptions = {}): RandomAccessDataset<OrientedBarsScene> {
  const { split, size: count, seed, channels, ...generator } = options;
  const o = validateConfig('orientedBarsDataset', fixedSchema, { split, size: count, seed, channels });
  const g = resolveOrientedBarsOptions(generator, 'orientedBarsDataset');
  const size = o.size ?? ORIENTED_BARS_SPLIT_SIZES[o.split];
  const name = `oriented-bars-${o.split}`;
  return {
    access: 'random',
    name,
    size,
    imageShape: [g.imageSize, g.imageSize, o.channels],
    numClasses: g.classes,
    labelNames: orientedBarsLabelNames(g.classes),
    normalization: orientedBarsNormalization(g, o.channels),
    extraInputs: [],
    get(index: number) {
      checkIndex(name, index, size);
      const scene = sampleOrientedBars(exampleRng('oriented-bars', o.split, o.seed, index), g, index % g.classes);
      return { image: renderOrientedBars(scene, o.channels), label: scene.label, extra: scene };
    },
  };
}

/**
 * Oriented bars in fresh-sample mode: each pass (`stream(rng)`) draws `samplesPerEpoch` new
 * examples (labels uniform over the classes) from `rng`, so every epoch sees new data and a pass
 * is reproducible for a given rng state.
 */
export function freshOrientedBarsDataset(options: FreshOrientedBarsOptions): StreamingDataset<OrientedBarsScene> {
  const { samplesPerEpoch, channels, ...generator } = options;
  const o = validateConfig('freshOrientedBarsDataset', freshSchema, { samplesPerEpoch, channels });
  const g = resolveOrientedBarsOptions(generator, 'freshOrientedBarsDataset');
  return {
    access: 'stream',
    name: 'oriented-bars-fresh',
    size: o.samplesPerEpoch,
    imageShape: [g.imageSize, g.imageSize, o.channels],
    numClasses: g.classes,
    labelNames: orientedBarsLabelNames(g.classes),
    normalization: orientedBarsNormalization(g, o.channels),
    extraInputs: [],
    async *stream(rng) {
      for (let k = 0; k < o.samplesPerEpoch; k++) {
        const scene = sampleOrientedBars(rng, g);
        yield { image: renderOrientedBars(scene, o.channels), label: scene.label, extra: scene };
      }
    },
  };
}
