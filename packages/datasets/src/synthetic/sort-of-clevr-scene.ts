import { type SeededRandom } from '@ait/core';
import { createCanvas, fillDisc, fillSquare } from './raster';

/** Side of the square Sort-of-CLEVR image in pixels. */
export const SORT_OF_CLEVR_IMAGE_SIZE = 75;
/** Half-side of a square object and radius of a circle object, in pixels. */
export const SORT_OF_CLEVR_OBJECT_SIZE = 5;
/** Smallest allowed distance between two object centres, in pixels. */
export const SORT_OF_CLEVR_MIN_DISTANCE = 10;
/** Number of objects (one per colour) in every scene. */
export const SORT_OF_CLEVR_OBJECTS = 6;

/** The six object colours, indexed by colour id (the question vector's one-hot position). */
export const SORT_OF_CLEVR_COLOURS: readonly { readonly name: string; readonly rgb: readonly [number, number, number] }[] = [
  { name: 'red', rgb: [255, 0, 0] },
  { name: 'green', rgb: [0, 255, 0] },
  { name: 'blue', rgb: [0, 0, 255] },
  { name: 'orange', rgb: [255, 156, 0] },
  { name: 'gray', rgb: [128, 128, 128] },
  { name: 'yellow', rgb: [255, 255, 0] },
];

/** Shape of a Sort-of-CLEVR object. */
export type ObjectShape = 'square' | 'circle';

/** One object of a scene: its colour id, integer centre (x = column, y = row) and shape. */
export interface SceneObject {
  readonly colour: number;
  readonly x: number;
  readonly y: number;
  readonly shape: ObjectShape;
}

const LOW = SORT_OF_CLEVR_OBJECT_SIZE;
const SPAN = SORT_OF_CLEVR_IMAGE_SIZE - 2 * SORT_OF_CLEVR_OBJECT_SIZE; // centres in [5, 70)

/**
 * Draws a scene: for each colour id 0..5 in turn, an integer centre `(x, y)` uniform in
 * `[5, 70)^2`, drawn again while it lies closer than 10 px to an earlier object's centre, then the
 * shape (square or circle with probability 1/2). Object `k` has colour `k`.
 */
export function sampleScene(rng: SeededRandom): SceneObject[] {
  const objects: SceneObject[] = [];
  const min2 = SORT_OF_CLEVR_MIN_DISTANCE * SORT_OF_CLEVR_MIN_DISTANCE;
  for (let colour = 0; colour < SORT_OF_CLEVR_OBJECTS; colour++) {
    let x: number;
    let y: number;
    do {
      x = LOW + rng.nextInt(SPAN);
      y = LOW + rng.nextInt(SPAN);
    } while (objects.some((o) => (o.x - x) ** 2 + (o.y - y) ** 2 < min2));
    objects.push({ colour, x, y, shape: rng.next() < 0.5 ? 'square' : 'circle' });
  }
  return objects;
}

/**
 * Renders a scene as a `[75, 75, 3]` RGB byte image: white background, each object a filled
 * square (`|dx|, |dy| <= 5`) or a filled disc (`dx^2 + dy^2 <= 25`) in its colour, drawn in
 * colour order.
 */
export function renderScene(objects: readonly SceneObject[]): Uint8Array {
  const canvas = createCanvas(SORT_OF_CLEVR_IMAGE_SIZE, SORT_OF_CLEVR_IMAGE_SIZE, [255, 255, 255]);
  for (const o of objects) {
    const colour = SORT_OF_CLEVR_COLOURS[o.colour]?.rgb;
    if (colour === undefined) throw new Error(`renderScene: colour id ${o.colour} is not in [0, 6).`);
    if (o.shape === 'square') fillSquare(canvas, o.x, o.y, SORT_OF_CLEVR_OBJECT_SIZE, colour);
    else fillDisc(canvas, o.x, o.y, SORT_OF_CLEVR_OBJECT_SIZE, colour);
  }
  return canvas.data;
}
