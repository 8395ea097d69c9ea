import { validateConfig, z } from '@ait/core';
import { type NormalizationStats, type RandomAccessDataset, type StreamingDataset } from '../dataset/dataset';
import { TRIANGLE_IMAGE_SIZE, TRIANGLE_LABEL_NAMES, type TriangleScene, renderTriangle, sampleTriangle } from './triangle';
import { type SyntheticSplit, checkIndex, countSchema, exampleRng, seedSchema, splitSchema } from './synthetic-options';

/** Sizes of the Triangle splits used by the AiT paper. */
export const TRIANGLE_SPLIT_SIZES: Readonly<Record<SyntheticSplit, number>> = { train: 50_000, test: 10_000 };

/**
 * Normalisation statistics of Triangle images (fraction of ink pixels), measured on generated
 * sets; a test checks them against freshly generated data.
 */
export const TRIANGLE_NORMALIZATION: NormalizationStats = { mean: [0.022], std: [0.1467] };

/** Options of {@link triangleDataset}. */
export interface TriangleDatasetOptions {
  /** Split; default `train`. */
  split?: SyntheticSplit;
  /** Number of examples; default 50,000 (train) or 10,000 (test). */
  size?: number;
  /** Seed of the set; default 0. */
  seed?: number | string;
  /** 1 (default) or 3 channels (the single channel repeated, as the reference feeds its models). */
  channels?: 1 | 3;
}

const channelsSchema = z.union([z.literal(1), z.literal(3)], { message: 'must be 1 or 3' });

const fixedSchema = z.strictObject({
  split: splitSchema.default('train'),
  size: countSchema.optional(),
  seed: seedSchema.default(0),
  channels: channelsSchema.default(1),
});

function repeatChannels(normalization: NormalizationStats, channels: 1 | 3): NormalizationStats {
  const m = normalization.mean[0] as number;
  const s = normalization.std[0] as number;
  return { mean: Array.from({ length: channels }, () => m), std: Array.from({ length: channels }, () => s) };
}

/**
 * A fixed, seeded Triangle set (64 x 64, equilateral vs not): example `i` is generated on demand
 * from its own random stream (seed, split and `i`), so the set needs no memory, any size is
 * reproducible and examples can be read in any order. Each sample's `extra` is its
 * {@link TriangleScene} (label, vertices, drawn points). Images are `[64, 64, channels]` bytes.
 */
export function triangleDataset(options: TriangleDatasetOptions = {}): RandomAccessDataset<TriangleScene> {
  const o = validateConfig('triangleDataset', fixedSchema, options);
  const size = o.size ?? TRIANGLE_SPLIT_SIZES[o.split];
  const name = `triangle-${o.split}`;
  return {
    access: 'random',
    name,
    size,
    imageShape: [TRIANGLE_IMAGE_SIZE, TRIANGLE_IMAGE_SIZE, o.channels],
    numClasses: 2,
    labelNames: TRIANGLE_LABEL_NAMES,
    normalization: repeatChannels(TRIANGLE_NORMALIZATION, o.channels),
    extraInputs: [],
    get(index: number) {
      checkIndex(name, index, size);
      const scene = sampleTriangle(exampleRng('triangle', o.split, o.seed, index));
      return { image: renderTriangle(scene, o.channels), label: scene.label, extra: scene };
    },
  };
}

/** Options of {@link freshTriangleDataset}. */
export interface FreshTriangleOptions {
  /** Examples generated per pass (epoch). */
  samplesPerEpoch: number;
  /** 1 (default) or 3 channels. */
  channels?: 1 | 3;
}

const freshSchema = z.strictObject({ samplesPerEpoch: countSchema, channels: channelsSchema.default(1) });

/**
 * Triangle in fresh-sample mode, as the reference regenerates data on every access: each pass
 * (`stream(rng)`) draws `samplesPerEpoch` new examples from `rng`, so every epoch sees new data
 * and a pass is reproducible for a given rng state (the pipeline hands it a stream drawn from the
 * Trainer's data rng, so resumed runs see the same examples).
 */
export function freshTriangleDataset(options: FreshTriangleOptions): StreamingDataset<TriangleScene> {
  const o = validateConfig('freshTriangleDataset', freshSchema, options);
  return {
    access: 'stream',
    name: 'triangle-fresh',
    size: o.samplesPerEpoch,
    imageShape: [TRIANGLE_IMAGE_SIZE, TRIANGLE_IMAGE_SIZE, o.channels],
    numClasses: 2,
    labelNames: TRIANGLE_LABEL_NAMES,
    normalization: repeatChannels(TRIANGLE_NORMALIZATION, o.channels),
    extraInputs: [],
    async *stream(rng) {
      for (let k = 0; k < o.samplesPerEpoch; k++) {
        const scene = sampleTriangle(rng);
        yield { image: renderTriangle(scene, o.channels), label: scene.label, extra: scene };
      }
    },
  };
}
