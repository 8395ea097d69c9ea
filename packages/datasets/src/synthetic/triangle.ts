import { type SeededRandom } from '@ait/core';
import { createCanvas, fillDisc } from './raster';

/** Side of the square Triangle canvas in pixels. */
export const TRIANGLE_IMAGE_SIZE = 64;
/** Label names of the Triangle task: class 0 is equilateral, class 1 any other triangle. */
export const TRIANGLE_LABEL_NAMES: readonly string[] = ['equilateral', 'not equilateral'];
/** Radius of each drawn cluster point (a filled disc). */
export const TRIANGLE_POINT_RADIUS = 2;
/** Value of ink pixels; the background is 0. */
export const TRIANGLE_INK = 255;

/** An integer pixel position `[x, y]`: x is the column, y the row (0 at the top). */
export type Point = readonly [x: number, y: number];

/** One generated Triangle example: its class, its three vertices and the 24 points drawn. */
export interface TriangleScene {
  /** 0 = equilateral, 1 = not. */
  readonly label: 0 | 1;
  /** The vertices p1, p2, p3. */
  readonly vertices: readonly [Point, Point, Point];
  /** The 8 cluster points of each vertex, vertex by vertex (24 points). */
  readonly points: readonly Point[];
}

const COS60 = 0.5;
const SIN60 = Math.sqrt(3) / 2;
const MAX = TRIANGLE_IMAGE_SIZE - 1;

function randomVertex(rng: SeededRandom): Point {
  // Integer coordinates uniform in [1, 63] (both ends included).
  return [1 + rng.nextInt(MAX), 1 + rng.nextInt(MAX)];
}

/**
 * Draws one Triangle example (the rules of the Coordination paper's task, reused by AiT).
 *
 * In order from `rng`: the label (0 or 1 with probability 1/2 each); p1 and p2 with integer
 * coordinates uniform in [1, 63]; for class 0, p3 = p2 rotated about p1 by 60 degrees
 * (`x3 = x1 + cos60*dx + sin60*dy`, `y3 = y1 - sin60*dx + cos60*dy`, truncated toward zero),
 * drawing p1 and p2 again while p3 +- 1 leaves the canvas; for class 1, p3 drawn like p1 and p2.
 * Then, vertex by vertex, four times a point c1 uniform within +-1 of the vertex (per coordinate)
 * and its mirror c2 = 2 * vertex - c1.
 */
export function sampleTriangle(rng: SeededRandom): TriangleScene {
  const label: 0 | 1 = rng.next() < 0.5 ? 0 : 1;
  let p1: Point;
  let p2: Point;
  let p3: Point;
  for (;;) {
    p1 = randomVertex(rng);
    p2 = randomVertex(rng);
    if (label === 1) {
      p3 = randomVertex(rng);
      break;
    }
    const dx = p2[0] - p1[0];
    const dy = p2[1] - p1[1];
    const x3 = Math.trunc(p1[0] + COS60 * dx + SIN60 * dy);
    const y3 = Math.trunc(p1[1] - SIN60 * dx + COS60 * dy);
    if (x3 - 1 >= 0 && x3 + 1 <= MAX && y3 - 1 >= 0 && y3 + 1 <= MAX) {
      p3 = [x3, y3];
      break;
    }
  }
  const vertices: [Point, Point, Point] = [p1, p2, p3];
  const points: Point[] = [];
  for (const [vx, vy] of vertices) {
    for (let k = 0; k < 4; k++) {
      const c1: Point = [vx + rng.nextInt(3) - 1, vy + rng.nextInt(3) - 1];
      points.push(c1, [2 * vx - c1[0], 2 * vy - c1[1]]);
    }
  }
  return { label, vertices, points };
}

/**
 * Renders a Triangle example: a black `[64, 64, channels]` image with each cluster point drawn as
 * a filled disc of radius 2 and value 255 (clipped at the border). With 3 channels the single
 * channel is repeated, as the reference does.
 */
export function renderTriangle(scene: TriangleScene, channels: 1 | 3 = 1): Uint8Array {
  const ink = Array.from({ length: channels }, () => TRIANGLE_INK);
  const canvas = createCanvas(
    TRIANGLE_IMAGE_SIZE,
    TRIANGLE_IMAGE_SIZE,
    Array.from({ length: channels }, () => 0),
  );
  for (const [x, y] of scene.points) fillDisc(canvas, x, y, TRIANGLE_POINT_RADIUS, ink);
  return canvas.data;
}
