import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@ait/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { resizeBilinear } from '../src/index';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** Plain float64 reference of bilinear interpolation with half-pixel centres and edge clamping. */
function reference(src: number[], h: number, w: number, c: number, oh: number, ow: number): number[] {
  const at = (y: number, x: number, ch: number): number => src[(y * w + x) * c + ch] as number;
  const out: number[] = [];
  for (let y = 0; y < oh; y++) {
    for (let x = 0; x < ow; x++) {
      const fy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / oh - 0.5));
      const fx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / ow - 0.5));
      const y0 = Math.floor(fy);
      const x0 = Math.floor(fx);
      const y1 = Math.min(h - 1, y0 + 1);
      const x1 = Math.min(w - 1, x0 + 1);
      for (let ch = 0; ch < c; ch++) {
        const v =
          at(y0, x0, ch) * (1 - (fy - y0)) * (1 - (fx - x0)) +
          at(y0, x1, ch) * (1 - (fy - y0)) * (fx - x0) +
          at(y1, x0, ch) * (fy - y0) * (1 - (fx - x0)) +
          at(y1, x1, ch) * (fy - y0) * (fx - x0);
        out.push(v);
      }
    }
  }
  return out;
}

describe('resizeBilinear', () => {
  const h = 7;
  const w = 5;
  const c = 3;
  const src = Array.from({ length: h * w * c }, (_, i) => (i * 53) % 256);

  it('matches a float64 reference and tf.image.resizeBilinear(halfPixelCenters) when up- and down-sizing', () => {
    for (const [oh, ow] of [
      [14, 9],
      [3, 2],
      [7, 5],
      [1, 1],
    ] as const) {
      const got = Array.from(resizeBilinear(src, [h, w, c], oh, ow));
      const ref = reference(src, h, w, c, oh, ow);
      got.forEach((v, i) => expect(v).toBeCloseTo(ref[i] as number, 3));
      const viaTf = tf.tidy(() => Array.from(tf.image.resizeBilinear(tf.tensor4d(src, [1, h, w, c]), [oh, ow], false, true).dataSync()));
      got.forEach((v, i) => expect(v).toBeCloseTo(viaTf[i] as number, 3));
    }
  });

  it('keeps constants and reproduces the input at the same size', () => {
    expect(Array.from(resizeBilinear(new Array(12).fill(9), [2, 2, 3], 5, 3))).toEqual(new Array(45).fill(9));
    expect(Array.from(resizeBilinear(src, [h, w, c], h, w))).toEqual(src);
    expect(() => resizeBilinear(src, [h, w, 2], 3, 3)).toThrow(/the source has 105 values/);
  });
});
