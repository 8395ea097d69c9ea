// Canvas drawing of the playground's images and heat maps (the curves are uPlot's): cheap enough
// for the page's main thread, since the maps are small (at most a few thousand values).
import type { HeatMap, SampleView } from './protocol';

/** A perceptually ordered colour for t in [0, 1] (viridis-like: dark blue, teal, yellow). */
export function colourOf(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const stops: [number, number, number][] = [
    [13, 8, 135],
    [33, 145, 140],
    [253, 231, 37],
  ];
  const pos = x * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = stops[i] as [number, number, number];
  const b = stops[i + 1] as [number, number, number];
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

/** RGBA pixels of a heat map, each value coloured between the map's minimum and maximum. */
export function heatMapPixels(map: HeatMap): Uint8ClampedArray<ArrayBuffer> {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map.values) {
    if (!Number.isFinite(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || 1;
  const out = new Uint8ClampedArray(map.rows * map.cols * 4);
  for (let i = 0; i < map.rows * map.cols; i++) {
    const [r, g, b] = colourOf(((map.values[i] ?? lo) - lo) / span);
    out.set([r, g, b, 255], i * 4);
  }
  return out;
}

/** The canvas size of a heat map: its longer side `long` pixels, the shorter at least `short`. */
export function heatMapCanvasSize(map: HeatMap, long = 256, short = 64): { width: number; height: number } {
  const wide = map.cols >= map.rows;
  const ratio = wide ? map.rows / map.cols : map.cols / map.rows;
  const other = Math.max(short, Math.round(long * ratio));
  return wide ? { width: long, height: other } : { width: other, height: long };
}

/** Draws pixels `[rows, cols]` RGBA scaled to the whole canvas, without smoothing. */
function blit(
  ctx: CanvasRenderingContext2D,
  canvas: HTMLCanvasElement,
  pixels: Uint8ClampedArray<ArrayBuffer>,
  cols: number,
  rows: number,
): void {
  const off = document.createElement('canvas');
  off.width = cols;
  off.height = rows;
  off.getContext('2d')?.putImageData(new ImageData(pixels, cols, rows), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

/** Draws `map` scaled to the canvas. */
export function drawHeatMap(canvas: HTMLCanvasElement, map: HeatMap): void {
  const ctx = canvas.getContext('2d');
  if (ctx) blit(ctx, canvas, heatMapPixels(map), map.cols, map.rows);
}

/**
 * Draws a test image scaled to the canvas and, where the model has a write competition and
 * `showGates` is on, each patch's strongest gate as a translucent orange overlay (the stronger,
 * the more opaque; relative to the image's strongest patch).
 */
export function drawSample(canvas: HTMLCanvasElement, sample: SampleView, showGates: boolean): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { size, channels, pixels } = sample;
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    const r = pixels[p * channels] as number;
    const g = channels === 3 ? (pixels[p * channels + 1] as number) : r;
    const b = channels === 3 ? (pixels[p * channels + 2] as number) : r;
    rgba.set([r, g, b, 255], p * 4);
  }
  blit(ctx, canvas, rgba, size, size);
  const gates = sample.gates;
  if (!showGates || !gates) return;
  let hi = 0;
  for (const v of gates.values) hi = Math.max(hi, v);
  if (!(hi > 0)) return;
  const cw = canvas.width / gates.cols;
  const ch = canvas.height / gates.rows;
  gates.values.forEach((v, i) => {
    ctx.fillStyle = `rgba(255, 140, 0, ${(0.6 * v) / hi})`;
    ctx.fillRect((i % gates.cols) * cw, Math.floor(i / gates.cols) * ch, cw, ch);
  });
}
