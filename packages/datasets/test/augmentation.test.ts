import { SeededRandom } from '@ait/core';
import { describe, expect, it } from 'vitest';
import { augmentImage, drawAugmentation, normalizeImage } from '../src/index';

const H = 6;
const W = 5;
const C = 2;
const image = Uint8Array.from({ length: H * W * C }, (_, i) => i + 1);
const pixel = (y: number, x: number, c: number): number =>
  y >= 0 && y < H && x >= 0 && x < W ? (image[(y * W + x) * C + c] as number) : 0;

describe('augmentation', () => {
  it('crops from the zero-padded image and flips left-right, keeping the shape', () => {
    const rng = new SeededRandom('aug');
    const seen = new Set<string>();
    for (let k = 0; k < 300; k++) {
      const plan = drawAugmentation(rng, { cropPadding: 2, horizontalFlip: true });
      seen.add(`${plan.offsetY},${plan.offsetX},${plan.flip}`);
      const out = augmentImage(image, [H, W, C], plan);
      expect(out).toBeInstanceOf(Uint8Array);
      expect(out).toHaveLength(image.length);
      // Independent reading: pad by 2, take the window at (offsetY, offsetX), then mirror columns.
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const cx = plan.flip ? W - 1 - x : x;
          for (let c = 0; c < C; c++) expect(out[(y * W + x) * C + c]).toBe(pixel(y + plan.offsetY - 2, cx + plan.offsetX - 2, c));
        }
      }
    }
    // Every offset in [0, 4] x [0, 4] and both flips occur.
    expect(seen.size).toBe(5 * 5 * 2);
  });

  it('is reproducible for a seed and leaves images alone without options', () => {
    const draw = (seed: number): string =>
      JSON.stringify(
        Array.from(
          { length: 20 },
          function (this: SeededRandom) {
            return drawAugmentation(this, { cropPadding: 3, horizontalFlip: true });
          },
          new SeededRandom(seed),
        ),
      );
    expect(draw(4)).toBe(draw(4));
    expect(draw(4)).not.toBe(draw(5));
    const none = drawAugmentation(new SeededRandom(1), {});
    expect(none).toEqual({ offsetY: 0, offsetX: 0, padding: 0, flip: false });
    expect(Array.from(augmentImage(image, [H, W, C], none))).toEqual(Array.from(image));
    const floats = Float32Array.from(image, (v) => v / 255);
    const flipped = augmentImage(floats, [H, W, C], { offsetX: 0, offsetY: 0, padding: 0, flip: true });
    expect(flipped).toBeInstanceOf(Float32Array);
    expect(flipped[0]).toBeCloseTo(pixel(0, W - 1, 0) / 255, 6);
  });

  it('normalises per channel on the 0..1 scale', () => {
    const out = normalizeImage(image, { mean: [0.1, 0.2], std: [0.5, 0.25] }, C);
    out.forEach((v, i) => expect(v).toBeCloseTo(((image[i] as number) / 255 - [0.1, 0.2][i % 2]!) / [0.5, 0.25][i % 2]!, 5));
    const floats = normalizeImage(Float32Array.of(0.5, 1), { mean: [0.5, 0.5], std: [0.5, 0.5] }, 2);
    expect(Array.from(floats)).toEqual([0, 1]);
    expect(Array.from(normalizeImage(Uint8Array.of(255, 51), null, 1))).toEqual([1, Math.fround(0.2)]);
  });
});
