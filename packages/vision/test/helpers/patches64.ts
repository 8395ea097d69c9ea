// Float64 patch extraction for the model references: image [H, W, C] -> tokens [(H/P)(W/P), P*P*C].
import type { M } from './float64-ops';

/**
 * Patches of one image given as a flat `[H, W, C]` array, row-major patch order, each flattened
 * with the channel innermost: feature `(row * P + col) * C + c` of patch `(i, j)`.
 */
export function patches64(image: ArrayLike<number>, height: number, width: number, channels: number, p: number): M {
  const out: M = [];
  for (let i = 0; i < height / p; i++) {
    for (let j = 0; j < width / p; j++) {
      const f: number[] = [];
      for (let r = 0; r < p; r++) {
        for (let c = 0; c < p; c++) {
          for (let ch = 0; ch < channels; ch++) f.push(image[((i * p + r) * width + (j * p + c)) * channels + ch] as number);
        }
      }
      out.push(f);
    }
  }
  return out;
}
