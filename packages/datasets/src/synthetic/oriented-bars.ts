import { SeededRandom, validateConfig, z } from '@ait/core';

/** Default side of a square oriented-bars image in pixels. */
export const ORIENTED_BARS_IMAGE_SIZE = 32;
/** Default number of orientation classes: 0, 45, 90 and 135 degrees. */
export const ORIENTED_BARS_CLASSES = 4;
/** Value of a fully covered bar pixel; the background is 0. */
export const ORIENTED_BARS_INK = 255;
/** Sub-samples per pixel side used to anti-alias the bars (4 x 4 per pixel). */
export const ORIENTED_BARS_SUPERSAMPLING = 4;

/** Options of the oriented-bars generator ({@link sampleOrientedBars}). */
export interface OrientedBarsOptions {
  /** Side of the square image in pixels, 8 to 1024; default 32. */
  imageSize?: number;
  /** Number of orientation classes, 2 to 12; class `k` is the angle `k * 180 / classes` degrees. Default 4. */
  classes?: number;
  /** Bars per image, 1 to 4, all with the image's orientation; default 1. */
  bars?: number;
  /**
   * Standard deviation of the Gaussian pixel noise on the `[0, 1]` scale (0.1 adds noise of
   * standard deviation 25.5 grey levels before clipping to 0..255); default 0 (clean images).
   */
  noise?: number;
  /**
   * Largest random deviation of a bar's angle from its class angle, in degrees (uniform in
   * `[-jitter, +jitter]`); below half the class spacing so classes stay separable. Default 0.
   */
  angleJitter?: number;
}

/** {@link OrientedBarsOptions} with every default filled in. */
export type ResolvedOrientedBarsOptions = Readonly<Required<OrientedBarsOptions>>;

/** One drawn bar: a filled rectangle of `length x thickness` pixels centred on `centre`. */
export interface OrientedBar {
  /**
   * Centre `[x, y]` in continuous image coordinates: x runs along the columns, y down the rows,
   * and pixel `(row, column)` covers `[column, column + 1) x [row, row + 1)`.
   */
  readonly centre: readonly [x: number, y: number];
  /** Length along the bar's direction, in pixels. */
  readonly length: number;
  /** Thickness across the bar, in pixels. */
  readonly thickness: number;
}

/** One generated oriented-bars example: its class, the exact angle and the bars to draw. */
export interface OrientedBarsScene {
  /** Orientation class in `[0, classes)`. */
  readonly label: number;
  /**
   * Angle of every bar in degrees, counter-clockwise from the horizontal as the image is viewed
   * (rows grow downwards): 0 is horizontal, 45 rises to the right, 90 is vertical. It is the
   * class angle plus the jitter.
   */
  readonly angle: number;
  /** Side of the square image in pixels. */
  readonly imageSize: number;
  /** The bars, all at {@link OrientedBarsScene.angle}. */
  readonly bars: readonly OrientedBar[];
  /** Standard deviation of the pixel noise on the `[0, 1]` scale (0: none). */
  readonly noise: number;
  /** Seed of the noise stream, so rendering a scene is deterministic. */
  readonly noiseSeed: number;
}

const optionsSchema = z
  .strictObject({
    imageSize: z
      .number('must be a number')
      .int('must be an integer')
      .min(8, 'must be >= 8')
      .max(1024, 'must be <= 1024')
      .default(ORIENTED_BARS_IMAGE_SIZE),
    classes: z
      .number('must be a number')
      .int('must be an integer')
      .min(2, 'must be >= 2')
      .max(12, 'must be <= 12')
      .default(ORIENTED_BARS_CLASSES),
    bars: z.number('must be a number').int('must be an integer').min(1, 'must be >= 1').max(4, 'must be <= 4').default(1),
    noise: z.number('must be a number').min(0, 'must be >= 0').max(1, 'must be <= 1').default(0),
    angleJitter: z.number('must be a number').min(0, 'must be >= 0').default(0),
  })
  .refine((o) => o.angleJitter < 90 / o.classes, {
    message: 'must be below half the class spacing (90 / classes degrees)',
    path: ['angleJitter'],
  });

/** Validates oriented-bars options and fills in the defaults; a bad option throws a `ConfigError` naming it. */
export function resolveOrientedBarsOptions(options: OrientedBarsOptions = {}, where = 'orientedBars'): ResolvedOrientedBarsOptions {
  return validateConfig(where, optionsSchema, options);
}

/** The angle of each orientation class in degrees: class `k` is `k * 180 / classes` (4 classes: 0, 45, 90, 135). */
export function orientedBarsAngles(classes: number = ORIENTED_BARS_CLASSES): number[] {
  return Array.from({ length: classes }, (_, k) => (k * 180) / classes);
}

/** Label names of the orientation classes: the angles, e.g. `0°`, `45°`, `90°`, `135°` (at most 2 decimals). */
export function orientedBarsLabelNames(classes: number = ORIENTED_BARS_CLASSES): string[] {
  return orientedBarsAngles(classes).map((a) => `${Number(a.toFixed(2))}°`);
}

/** Half the extent of a `length x thickness` rectangle at `angle` along x and along y. */
function halfExtents(angleRad: number, length: number, thickness: number): [number, number] {
  const c = Math.abs(Math.cos(angleRad));
  const s = Math.abs(Math.sin(angleRad));
  return [(c * length + s * thickness) / 2, (s * length + c * thickness) / 2];
}

/** Centres tried per bar to keep it apart from the bars already placed. */
const PLACEMENT_ATTEMPTS = 20;

/** Whether two bars at the same angle are separated by at least one pixel, along or across. */
function apart(a: OrientedBar, b: OrientedBar, angleRad: number): boolean {
  const dx = a.centre[0] - b.centre[0];
  const dy = a.centre[1] - b.centre[1];
  const along = Math.abs(dx * Math.cos(angleRad) - dy * Math.sin(angleRad));
  const across = Math.abs(dx * Math.sin(angleRad) + dy * Math.cos(angleRad));
  return along >= (a.length + b.length) / 2 + 1 || across >= (a.thickness + b.thickness) / 2 + 1;
}

/**
 * Draws one oriented-bars example from `rng` (pure: the same rng state gives the same scene).
 *
 * In order from `rng`: the label, uniform over the classes (unless `label` is given); the angle
 * jitter (when `angleJitter > 0`); then for each bar its length (uniform in
 * `[0.4, 0.7] * imageSize / sqrt(bars)`, raised to 3 times the thickness where shorter),
 * thickness (uniform in `[1.5, 2.5] * imageSize / 32`, at least 1.5) and centre (uniform where
 * the whole bar stays at least one pixel inside the border, drawn again, up to 20 times, while
 * the bar touches one already placed); finally the seed of the noise stream. Bars of one image
 * share the angle; crowded ones (many bars on a small image) may still overlap.
 * @param label Orientation class to draw, in `[0, classes)`; drawn from `rng` when left out.
 */
export function sampleOrientedBars(rng: SeededRandom, options: OrientedBarsOptions = {}, label?: number): OrientedBarsScene {
  const o = resolveOrientedBarsOptions(options, 'sampleOrientedBars');
  if (label !== undefined && (!Number.isInteger(label) || label < 0 || label >= o.classes)) {
    throw new RangeError(`sampleOrientedBars: label ${label} is not a class in [0, ${o.classes}).`);
  }
  const cls = label ?? rng.nextInt(o.classes);
  const jitter = o.angleJitter > 0 ? (2 * rng.next() - 1) * o.angleJitter : 0;
  const angle = (cls * 180) / o.classes + jitter;
  const rad = (angle * Math.PI) / 180;
  const side = o.imageSize;
  const scale = side / Math.sqrt(o.bars);
  const bars: OrientedBar[] = [];
  for (let b = 0; b < o.bars; b++) {
    const drawnLength = (0.4 + 0.3 * rng.next()) * scale;
    const thickness = Math.max(1.5, ((1.5 + rng.next()) * side) / 32);
    // At least 3 times as long as thick, so that even small bars have a clear orientation.
    const length = Math.max(drawnLength, 3 * thickness);
    const [hx, hy] = halfExtents(rad, length, thickness);
    let centre: [number, number] = [0, 0];
    for (let attempt = 0; attempt < PLACEMENT_ATTEMPTS; attempt++) {
      // The bar's bounding box stays within [1, side - 1] on both axes.
      centre = [1 + hx + rng.next() * Math.max(0, side - 2 - 2 * hx), 1 + hy + rng.next() * Math.max(0, side - 2 - 2 * hy)];
      const bar = { centre, length, thickness };
      if (bars.every((other) => apart(bar, other, rad))) break;
    }
    bars.push({ centre, length, thickness });
  }
  return { label: cls, angle, imageSize: side, bars, noise: o.noise, noiseSeed: rng.nextSeed() };
}

/**
 * Renders an oriented-bars example as a grey `[imageSize, imageSize, channels]` image (channels repeated
 * for 3): each pixel is the fraction of its 4 x 4 sub-samples inside a bar (the largest over
 * overlapping bars) times 255, plus Gaussian noise of standard deviation `noise * 255` drawn
 * from the scene's noise seed, rounded and clipped to 0..255. Deterministic for a given scene.
 */
export function renderOrientedBars(scene: OrientedBarsScene, channels: 1 | 3 = 1): Uint8Array {
  const size = scene.imageSize;
  const coverage = new Float32Array(size * size);
  const rad = (scene.angle * Math.PI) / 180;
  // Unit vectors along and across the bar in (x, y) with y pointing down the rows.
  const ux = Math.cos(rad);
  const uy = -Math.sin(rad);
  const nx = -uy;
  const ny = ux;
  const k = ORIENTED_BARS_SUPERSAMPLING;
  const sub = 1 / (k * k);
  for (const bar of scene.bars) {
    const [cx, cy] = bar.centre;
    const halfL = bar.length / 2;
    const halfT = bar.thickness / 2;
    const [hx, hy] = halfExtents(rad, bar.length, bar.thickness);
    const x0 = Math.max(0, Math.floor(cx - hx));
    const x1 = Math.min(size - 1, Math.floor(cx + hx));
    const y0 = Math.max(0, Math.floor(cy - hy));
    const y1 = Math.min(size - 1, Math.floor(cy + hy));
    for (let row = y0; row <= y1; row++) {
      for (let col = x0; col <= x1; col++) {
        let inside = 0;
        for (let i = 0; i < k; i++) {
          const dy = row + (i + 0.5) / k - cy;
          for (let j = 0; j < k; j++) {
            const dx = col + (j + 0.5) / k - cx;
            if (Math.abs(dx * ux + dy * uy) <= halfL && Math.abs(dx * nx + dy * ny) <= halfT) inside += 1;
          }
        }
        const at = row * size + col;
        const c = inside * sub;
        if (c > (coverage[at] as number)) coverage[at] = c;
      }
    }
  }
  const noiseRng = scene.noise > 0 ? new SeededRandom(scene.noiseSeed) : undefined;
  const out = new Uint8Array(size * size * channels);
  for (let p = 0; p < size * size; p++) {
    let v = (coverage[p] as number) * ORIENTED_BARS_INK;
    if (noiseRng) v += scene.noise * 255 * noiseRng.normal();
    const byte = Math.min(255, Math.max(0, Math.round(v)));
    for (let c = 0; c < channels; c++) out[p * channels + c] = byte;
  }
  return out;
}
