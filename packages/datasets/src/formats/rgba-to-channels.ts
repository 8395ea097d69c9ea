/**
 * Converts RGBA bytes `[H, W, 4]` to `[H, W, channels]`: 3 keeps R, G, B (alpha dropped); 1 takes
 * the luma `round(0.299 R + 0.587 G + 0.114 B)`.
 */
export function rgbaToChannels(rgba: Uint8Array, channels: 1 | 3): Uint8Array {
  const n = rgba.length / 4;
  const out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    const r = rgba[4 * p] as number;
    const g = rgba[4 * p + 1] as number;
    const b = rgba[4 * p + 2] as number;
    if (channels === 3) {
      out[3 * p] = r;
      out[3 * p + 1] = g;
      out[3 * p + 2] = b;
    } else {
      out[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  }
  return out;
}
