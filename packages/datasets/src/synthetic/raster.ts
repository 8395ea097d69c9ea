/** A small interleaved pixel buffer `[height, width, channels]` that the generators draw into. */
export interface Canvas {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/** A canvas filled with `background` (one value per channel). */
export function createCanvas(width: number, height: number, background: readonly number[]): Canvas {
  const channels = background.length;
  const data = new Uint8Array(width * height * channels);
  if (background.every((v) => v === background[0])) {
    if (background[0] !== 0) data.fill(background[0] as number);
  } else {
    for (let i = 0; i < data.length; i++) data[i] = background[i % channels] as number;
  }
  return { data, width, height, channels };
}

function setPixel(canvas: Canvas, x: number, y: number, colour: readonly number[]): void {
  const at = (y * canvas.width + x) * canvas.channels;
  for (let c = 0; c < canvas.channels; c++) canvas.data[at + c] = colour[c] as number;
}

/**
 * Fills the disc of integer centre `(cx, cy)` and radius `r`: every pixel `(x, y)` with
 * `(x - cx)^2 + (y - cy)^2 <= r^2`, clipped to the canvas (x is the column, y the row).
 */
export function fillDisc(canvas: Canvas, cx: number, cy: number, r: number, colour: readonly number[]): void {
  const r2 = r * r;
  for (let y = Math.max(0, cy - r); y <= Math.min(canvas.height - 1, cy + r); y++) {
    for (let x = Math.max(0, cx - r); x <= Math.min(canvas.width - 1, cx + r); x++) {
      if ((x - cx) * (x - cx) + (y - cy) * (y - cy) <= r2) setPixel(canvas, x, y, colour);
    }
  }
}

/** Fills the axis-aligned square of pixels with `|x - cx| <= half` and `|y - cy| <= half`, clipped. */
export function fillSquare(canvas: Canvas, cx: number, cy: number, half: number, colour: readonly number[]): void {
  for (let y = Math.max(0, cy - half); y <= Math.min(canvas.height - 1, cy + half); y++) {
    for (let x = Math.max(0, cx - half); x <= Math.min(canvas.width - 1, cx + half); x++) setPixel(canvas, x, y, colour);
  }
}
