import * as tf from '@tensorflow/tfjs-core';
import { assertPositiveInt } from '@ait/core';

/**
 * The Perceiver's Fourier position features for a `gridHeight x gridWidth` grid in row-major
 * order, `[gridHeight * gridWidth, 2 + 4 * bands]` float32 (Jaegle et al., ICML 2021).
 *
 * Each axis position is scaled to `[-1, 1]` (`linspace(-1, 1, size)`); the `bands` frequencies
 * are `linspace(1, maxFrequency / 2, bands)` (up to the Nyquist frequency of a signal sampled
 * `maxFrequency` times along the axis). Token features, in order: the raw positions
 * `[y, x]`, then `sin(pi f_k y)` for every band k, `sin(pi f_k x)` for every k, then the cosines in
 * the same order.
 */
export function fourierPositionFeatures(gridHeight: number, gridWidth: number, bands: number, maxFrequency: number): tf.Tensor2D {
  const where = 'fourierPositionFeatures';
  assertPositiveInt(where, 'gridHeight', gridHeight);
  assertPositiveInt(where, 'gridWidth', gridWidth);
  assertPositiveInt(where, 'bands', bands);
  if (!Number.isFinite(maxFrequency) || maxFrequency <= 0) {
    throw new Error(`${where}: maxFrequency must be a positive number, got ${maxFrequency}.`);
  }
  const linspace = (a: number, b: number, n: number): number[] =>
    n === 1 ? [a] : Array.from({ length: n }, (_, i) => a + ((b - a) * i) / (n - 1));
  const ys = linspace(-1, 1, gridHeight);
  const xs = linspace(-1, 1, gridWidth);
  const freqs = linspace(1, maxFrequency / 2, bands);
  const width = 2 + 4 * bands;
  const out = new Float32Array(gridHeight * gridWidth * width);
  for (let r = 0; r < gridHeight; r++) {
    for (let c = 0; c < gridWidth; c++) {
      const base = (r * gridWidth + c) * width;
      const pos = [ys[r] as number, xs[c] as number];
      out[base] = pos[0] as number;
      out[base + 1] = pos[1] as number;
      for (let d = 0; d < 2; d++) {
        for (let k = 0; k < bands; k++) {
          const angle = Math.PI * (freqs[k] as number) * (pos[d] as number);
          out[base + 2 + d * bands + k] = Math.sin(angle);
          out[base + 2 + 2 * bands + d * bands + k] = Math.cos(angle);
        }
      }
    }
  }
  return tf.tensor2d(out, [gridHeight * gridWidth, width], 'float32');
}
