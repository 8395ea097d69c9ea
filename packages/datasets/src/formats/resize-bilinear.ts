/**
 * Bilinear resize of an interleaved image `[h, w, c]` to `[outH, outW, c]` with half-pixel
 * centres (output pixel `y` samples source row `(y + 0.5) * h / outH - 0.5`, clamped to the
 * image), the convention of `tf.image.resizeBilinear(..., halfPixelCenters = true)`, OpenCV and
 * PIL without antialiasing. Returns float values on the input's scale.
 */
export function resizeBilinear(
  src: ArrayLike<number>,
  shape: readonly [h: number, w: number, c: number],
  outH: number,
  outW: number,
): Float32Array {
  const [h, w, c] = shape;
  if (src.length !== h * w * c) {
    throw new Error(`resizeBilinear: the source has ${src.length} values, not h * w * c = ${h * w * c} for [${h}, ${w}, ${c}].`);
  }
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH > 0 && outW > 0)) {
    throw new Error(`resizeBilinear: the output size must be positive integers, got ${outH} x ${outW}.`);
  }
  const out = new Float32Array(outH * outW * c);
  const sy = h / outH;
  const sx = w / outW;
  const x0s = new Int32Array(outW);
  const x1s = new Int32Array(outW);
  const fxs = new Float64Array(outW);
  for (let x = 0; x < outW; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
    const x0 = Math.floor(fx);
    x0s[x] = x0;
    x1s[x] = Math.min(x0 + 1, w - 1);
    fxs[x] = fx - x0;
  }
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const ty = fy - y0;
    for (let x = 0; x < outW; x++) {
      const x0 = x0s[x] as number;
      const x1 = x1s[x] as number;
      const tx = fxs[x] as number;
      for (let ch = 0; ch < c; ch++) {
        const a = src[(y0 * w + x0) * c + ch] as number;
        const b = src[(y0 * w + x1) * c + ch] as number;
        const d = src[(y1 * w + x0) * c + ch] as number;
        const e = src[(y1 * w + x1) * c + ch] as number;
        const top = a + (b - a) * tx;
        const bottom = d + (e - d) * tx;
        out[(y * outW + x) * c + ch] = top + (bottom - top) * ty;
      }
    }
  }
  return out;
}
