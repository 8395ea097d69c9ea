import type { HeatMap, SampleView } from './protocol';

/** A perceptually ordered colour for t in [0, 1] (dark blue, teal, yellow). */
export function colourOf(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
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

/** Draws `map` scaled to the canvas, each value coloured between the map's minimum and maximum. */
export function drawHeatMap(canvas: HTMLCanvasElement, map: HeatMap): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map.values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const span = hi - lo || 1;
  const image = ctx.createImageData(map.cols, map.rows);
  map.values.forEach((v, i) => {
    const [r, g, b] = colourOf((v - lo) / span);
    image.data.set([r, g, b, 255], i * 4);
  });
  const off = new OffscreenCanvas(map.cols, map.rows);
  off.getContext('2d')?.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

/**
 * Draws a sample image scaled to the canvas and, where the model has bottleneck gates, the
 * strongest gate of each token as a translucent overlay on its patch.
 */
export function drawSample(canvas: HTMLCanvasElement, sample: SampleView, showGates: boolean): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const { size, channels, pixels } = sample;
  const image = ctx.createImageData(size, size);
  for (let p = 0; p < size * size; p++) {
    const r = pixels[p * channels] as number;
    const g = channels === 3 ? (pixels[p * channels + 1] as number) : r;
    const b = channels === 3 ? (pixels[p * channels + 2] as number) : r;
    image.data.set([r, g, b, 255], p * 4);
  }
  const off = new OffscreenCanvas(size, size);
  off.getContext('2d')?.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  const gates = sample.gates;
  if (!showGates || !gates) return;
  let hi = 0;
  for (const v of gates.values) hi = Math.max(hi, v);
  const cw = canvas.width / gates.cols;
  const ch = canvas.height / gates.rows;
  gates.values.forEach((v, i) => {
    const [r, g, b] = colourOf(hi > 0 ? v / hi : 0);
    ctx.fillStyle = `rgba(${r}, ${g}, ${b}, ${0.15 + 0.5 * (hi > 0 ? v / hi : 0)})`;
    ctx.fillRect((i % gates.cols) * cw, Math.floor(i / gates.cols) * ch, cw, ch);
  });
}

/** A named series of points for {@link drawCurves}. */
export interface Curve {
  readonly label: string;
  readonly colour: string;
  readonly points: readonly { x: number; y: number }[];
  /** Fixed y range (e.g. [0, 1] for accuracy); default the data's. */
  readonly range?: [number, number];
}

/** Draws curves over a shared x axis with their labels and the y range of the first curve. */
export function drawCurves(canvas: HTMLCanvasElement, curves: readonly Curve[], xLabel: string): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const w = canvas.width;
  const h = canvas.height;
  const pad = { left: 44, right: 10, top: 18, bottom: 24 };
  ctx.clearRect(0, 0, w, h);
  ctx.font = '11px sans-serif';
  ctx.fillStyle = '#888';
  ctx.strokeStyle = '#8884';
  ctx.strokeRect(pad.left, pad.top, w - pad.left - pad.right, h - pad.top - pad.bottom);
  const xs = curves.flatMap((c) => c.points.map((p) => p.x));
  const xMax = Math.max(1, ...xs);
  ctx.fillText(`${xLabel} ${xMax}`, w - pad.right - 80, h - 6);
  curves.forEach((curve, ci) => {
    if (curve.points.length === 0) return;
    const ys = curve.points.map((p) => p.y);
    const [lo, hi] = curve.range ?? [Math.min(...ys), Math.max(...ys)];
    const span = hi - lo || 1;
    ctx.strokeStyle = curve.colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    curve.points.forEach((p, i) => {
      const x = pad.left + (p.x / xMax) * (w - pad.left - pad.right);
      const y = pad.top + (1 - (p.y - lo) / span) * (h - pad.top - pad.bottom);
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
    ctx.fillStyle = curve.colour;
    const last = curve.points[curve.points.length - 1] as { y: number };
    ctx.fillText(`${curve.label} ${last.y.toFixed(3)} (${lo.toFixed(2)}-${hi.toFixed(2)})`, pad.left + 4 + ci * 170, 12);
  });
}
