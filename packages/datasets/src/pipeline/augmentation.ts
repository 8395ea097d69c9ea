import { type SeededRandom } from '@ait/core';
import { type ImageShape, type NormalizationStats } from '../dataset/dataset';

/** Training-time augmentation of the pipeline. */
export interface AugmentationOptions {
  /**
   * Random crop with padding: pad the image with `cropPadding` zero pixels on every side, then
   * crop an `H x W` window at a uniformly random offset (0 or absent: no crop).
   */
  cropPadding?: number;
  /** Flip the image left-right with probability 1/2. Leave it off for tasks that ask about left / right. */
  horizontalFlip?: boolean;
}

/** The random choices of one sample's augmentation (drawn by {@link drawAugmentation}). */
export interface AugmentationPlan {
  /** Crop window offset in the padded image, in `[0, 2 * padding]`. */
  readonly offsetY: number;
  readonly offsetX: number;
  /** Padding the offsets refer to. */
  readonly padding: number;
  /** Whether the crop is then flipped left-right. */
  readonly flip: boolean;
}

/** Whether the options ask for any augmentation. */
export function isAugmenting(options: AugmentationOptions | undefined): boolean {
  return options !== undefined && ((options.cropPadding ?? 0) > 0 || options.horizontalFlip === true);
}

/**
 * Draws one sample's augmentation from `rng`: the crop offsets (y then x, each uniform in
 * `[0, 2 * cropPadding]`, only with padding) and then the flip (only when enabled).
 */
export function drawAugmentation(rng: SeededRandom, options: AugmentationOptions): AugmentationPlan {
  const padding = options.cropPadding ?? 0;
  const offsetY = padding > 0 ? rng.nextInt(2 * padding + 1) : 0;
  const offsetX = padding > 0 ? rng.nextInt(2 * padding + 1) : 0;
  const flip = options.horizontalFlip === true ? rng.next() < 0.5 : false;
  return { offsetY, offsetX, padding, flip };
}

/**
 * The source pixel index (into `[H, W, C]`, channel 0) that output pixel `(y, x)` reads under
 * `plan`, or -1 for padding. Output `(y, x)` is padded-crop pixel `(y, x')` with
 * `x' = flip ? W - 1 - x : x`, i.e. source pixel `(y + offsetY - padding, x' + offsetX - padding)`.
 */
function sourcePixel(plan: AugmentationPlan | undefined, h: number, w: number, y: number, x: number): number {
  if (plan === undefined) return y * w + x;
  const sy = y + plan.offsetY - plan.padding;
  const sx = (plan.flip ? w - 1 - x : x) + plan.offsetX - plan.padding;
  return sy < 0 || sy >= h || sx < 0 || sx >= w ? -1 : sy * w + sx;
}

/** Applies an augmentation plan to an image `[H, W, C]`, returning a new array of the same type and shape (padding is 0). */
export function augmentImage<T extends Uint8Array | Float32Array>(image: T, shape: ImageShape, plan: AugmentationPlan): T {
  const [h, w, c] = shape;
  const out = (image instanceof Uint8Array ? new Uint8Array(image.length) : new Float32Array(image.length)) as T;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = sourcePixel(plan, h, w, y, x);
      if (src < 0) continue;
      for (let ch = 0; ch < c; ch++) out[(y * w + x) * c + ch] = image[src * c + ch] as number;
    }
  }
  return out;
}

/**
 * Normalises an image `[H, W, C]` to floats: `(v / 255 - mean[c]) / std[c]` for bytes,
 * `(v - mean[c]) / std[c]` for floats (already on the 0..1 scale); with `stats` null, only the
 * byte scaling to `[0, 1]`.
 */
export function normalizeImage(image: Uint8Array | Float32Array, stats: NormalizationStats | null, channels: number): Float32Array {
  const out = new Float32Array(image.length);
  writeImage(image, [1, image.length / channels, channels], undefined, stats, out, 0);
  return out;
}

/**
 * Writes one image into a batch buffer at `offset`: augmented by `plan` (if any), scaled to the
 * 0..1 scale (bytes / 255) and normalised with `stats` (if any). Padding pixels are 0 before
 * normalisation.
 */
export function writeImage(
  image: Uint8Array | Float32Array,
  shape: ImageShape,
  plan: AugmentationPlan | undefined,
  stats: NormalizationStats | null,
  out: Float32Array,
  offset: number,
): void {
  const [h, w, c] = shape;
  const scale = image instanceof Uint8Array ? 1 / 255 : 1;
  const mul = new Float64Array(c);
  const add = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const std = stats ? (stats.std[ch] as number) : 1;
    const mean = stats ? (stats.mean[ch] as number) : 0;
    mul[ch] = scale / std;
    add[ch] = -mean / std;
  }
  if (plan === undefined) {
    for (let p = 0, i = 0; p < h * w; p++) {
      for (let ch = 0; ch < c; ch++, i++) out[offset + i] = (image[i] as number) * (mul[ch] as number) + (add[ch] as number);
    }
    return;
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = sourcePixel(plan, h, w, y, x);
      const dst = offset + (y * w + x) * c;
      for (let ch = 0; ch < c; ch++) {
        const v = src < 0 ? 0 : (image[src * c + ch] as number);
        out[dst + ch] = v * (mul[ch] as number) + (add[ch] as number);
      }
    }
  }
}
