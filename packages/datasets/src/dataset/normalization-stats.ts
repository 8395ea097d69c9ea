import { SeededRandom } from '@ait/core';
import { type Dataset, type NormalizationStats } from './dataset';
import { datasetSamples } from './dataset-samples';

/** Running per-channel sums on the `[0, 1]` scale. */
class ChannelMoments {
  private readonly sum: Float64Array;
  private readonly sumSq: Float64Array;
  private count = 0;

  constructor(private readonly channels: number) {
    this.sum = new Float64Array(channels);
    this.sumSq = new Float64Array(channels);
  }

  add(pixels: Uint8Array | Float32Array): void {
    const c = this.channels;
    const scale = pixels instanceof Uint8Array ? 1 / 255 : 1;
    for (let i = 0; i < pixels.length; i++) {
      const v = (pixels[i] as number) * scale;
      const ch = i % c;
      this.sum[ch] = (this.sum[ch] as number) + v;
      this.sumSq[ch] = (this.sumSq[ch] as number) + v * v;
    }
    this.count += pixels.length / c;
  }

  stats(): NormalizationStats {
    const mean: number[] = [];
    const std: number[] = [];
    for (let ch = 0; ch < this.channels; ch++) {
      const m = this.count > 0 ? (this.sum[ch] as number) / this.count : 0;
      const variance = this.count > 0 ? Math.max(0, (this.sumSq[ch] as number) / this.count - m * m) : 0;
      mean.push(m);
      // A constant channel would divide by zero; fall back to 1 so normalisation only centres it.
      std.push(variance > 1e-12 ? Math.sqrt(variance) : 1);
    }
    return { mean, std };
  }
}

/**
 * Per-channel mean and (population) standard deviation of interleaved pixels `[..., C]`, on the
 * `[0, 1]` scale (bytes are divided by 255). A constant channel gets std 1.
 */
export function normalizationFromPixels(pixels: Uint8Array | Float32Array, channels: number): NormalizationStats {
  const moments = new ChannelMoments(channels);
  moments.add(pixels);
  return moments.stats();
}

/** Options of {@link computeNormalizationStats}. */
export interface ComputeNormalizationOptions {
  /** Use at most this many samples (the first ones); default all. */
  maxSamples?: number;
  /** Stream for freshly generated data sets; default seed 0. */
  rng?: SeededRandom;
}

/**
 * Computes a data set's per-channel normalisation statistics (mean and population standard
 * deviation on the `[0, 1]` scale) by reading its samples, e.g. for an image folder.
 */
export async function computeNormalizationStats(dataset: Dataset, options: ComputeNormalizationOptions = {}): Promise<NormalizationStats> {
  const limit = options.maxSamples ?? Number.POSITIVE_INFINITY;
  const moments = new ChannelMoments(dataset.imageShape[2]);
  let seen = 0;
  if (seen >= limit) return moments.stats();
  for await (const sample of datasetSamples(dataset, options.rng ?? new SeededRandom(0))) {
    moments.add(sample.image);
    seen += 1;
    if (seen >= limit) break;
  }
  return moments.stats();
}
