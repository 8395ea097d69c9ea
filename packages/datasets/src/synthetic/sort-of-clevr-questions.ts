import { type SeededRandom } from '@ait/core';
import { SORT_OF_CLEVR_COLOURS, SORT_OF_CLEVR_OBJECTS, type SceneObject } from './sort-of-clevr-scene';

/** Length of the Sort-of-CLEVR question vector. */
export const QUESTION_SIZE = 18;
/** The three question families, in the order of their one-hot position `[12..14]`. */
export const QUESTION_TYPES = ['non-relational', 'binary', 'ternary'] as const;
/** A Sort-of-CLEVR question family. */
export type QuestionType = (typeof QUESTION_TYPES)[number];
/** Names of the 10 answer classes: 0 yes, 1 no, 2 square, 3 circle, 4 + n the count n. */
export const SORT_OF_CLEVR_ANSWER_NAMES: readonly string[] = ['yes', 'no', 'square', 'circle', '0', '1', '2', '3', '4', '5'];
/** Answer class ids. */
export const ANSWER = { yes: 0, no: 1, square: 2, circle: 3, count0: 4 } as const;
/** Half-height of the band around line AB in the ternary "is any object on the line" question. */
export const LINE_BAND = 12;
/** Image centre line for the left / top questions (`x < 37.5` is left, `y < 37.5` is top). */
export const HALF_IMAGE = 37.5;

/**
 * A Sort-of-CLEVR question. `subject` is the colour id asked about; ternary questions also name
 * a `second` colour (A = subject, B = second).
 *
 * - non-relational: 0 shape of the subject; 1 is it on the left; 2 is it on the top.
 * - binary: 0 shape of the nearest other object; 1 shape of the furthest; 2 how many other
 *   objects share its shape.
 * - ternary: 0 how many objects lie strictly inside the A-B bounding box; 1 does any object lie
 *   within 12 px of line AB vertically; 2 how many triangles A-B-C are obtuse.
 */
export interface Question {
  readonly type: QuestionType;
  readonly subtype: 0 | 1 | 2;
  readonly subject: number;
  readonly second?: number;
}

/**
 * Encodes a question as its 18-vector: `[0:6]` one-hot subject colour, `[6:12]` one-hot second
 * colour (ternary only), `[12:15]` one-hot type, `[15:18]` one-hot subtype.
 */
export function encodeQuestion(q: Question, out: Float32Array = new Float32Array(QUESTION_SIZE)): Float32Array {
  out.fill(0);
  out[q.subject] = 1;
  if (q.type === 'ternary') out[6 + (q.second as number)] = 1;
  out[12 + QUESTION_TYPES.indexOf(q.type)] = 1;
  out[15 + q.subtype] = 1;
  return out;
}

function oneHot(v: ArrayLike<number>, from: number, to: number): number | undefined {
  let at: number | undefined;
  for (let i = from; i < to; i++) {
    const x = v[i] as number;
    if (x === 1) {
      if (at !== undefined) return undefined;
      at = i - from;
    } else if (x !== 0) return undefined;
  }
  return at;
}

/** Decodes an 18-vector written by {@link encodeQuestion}; throws if it is not a valid question. */
export function decodeQuestion(v: ArrayLike<number>, where = 'decodeQuestion'): Question {
  const bad = (what: string): Error =>
    new Error(`${where}: the question vector is invalid (${what}); it must be 18 values of one-hot groups [6, 6, 3, 3].`);
  if (v.length !== QUESTION_SIZE) throw bad(`length ${v.length}`);
  const subject = oneHot(v, 0, 6);
  const typeIndex = oneHot(v, 12, 15);
  const subtype = oneHot(v, 15, 18);
  if (subject === undefined) throw bad('subject colour is not one-hot');
  if (typeIndex === undefined) throw bad('type is not one-hot');
  if (subtype === undefined) throw bad('subtype is not one-hot');
  const type = QUESTION_TYPES[typeIndex] as QuestionType;
  if (type === 'ternary') {
    const second = oneHot(v, 6, 12);
    if (second === undefined || second === subject) throw bad('a ternary question needs a second colour, one-hot and distinct');
    return { type, subtype: subtype as 0 | 1 | 2, subject, second };
  }
  for (let i = 6; i < 12; i++) if (v[i] !== 0) throw bad('only ternary questions name a second colour');
  return { type, subtype: subtype as 0 | 1 | 2, subject };
}

/**
 * Draws `perType` questions of each family, in order non-relational, binary, ternary. Each
 * non-relational or binary question draws its subject colour uniform in 0..5, then its subtype;
 * each ternary question draws a random permutation of colours 0..4 (the reference's "first five")
 * and takes A and B from its first two entries, then its subtype.
 */
export function sampleQuestions(rng: SeededRandom, perType: number): Question[] {
  const out: Question[] = [];
  for (const type of ['non-relational', 'binary'] as const) {
    for (let k = 0; k < perType; k++) {
      const subject = rng.nextInt(SORT_OF_CLEVR_OBJECTS);
      out.push({ type, subtype: rng.nextInt(3) as 0 | 1 | 2, subject });
    }
  }
  for (let k = 0; k < perType; k++) {
    const perm = rng.permutation(5);
    out.push({ type: 'ternary', subtype: rng.nextInt(3) as 0 | 1 | 2, subject: perm[0] as number, second: perm[1] as number });
  }
  return out;
}

function shapeAnswer(o: SceneObject): number {
  return o.shape === 'square' ? ANSWER.square : ANSWER.circle;
}

function byColour(objects: readonly SceneObject[], colour: number): SceneObject {
  const o = objects.find((x) => x.colour === colour);
  if (o === undefined) throw new Error(`answerQuestion: the scene has no object of colour id ${colour}.`);
  return o;
}

/**
 * The answer class of a question about a scene, computed from the object list with exact integer
 * arithmetic. Ties in nearest / furthest go to the lowest colour id. "Within 12 px of line AB
 * vertically" means `|yC - yAB(xC)| <= 12` for the infinite line through A and B (for a vertical
 * AB only objects on that column qualify). A triangle A-B-C is obtuse when one of its angles
 * exceeds 90 degrees (a negative dot product at a vertex; collinear points outside AB count).
 */
export function answerQuestion(objects: readonly SceneObject[], q: Question): number {
  const s = byColour(objects, q.subject);
  const others = objects.filter((o) => o.colour !== q.subject);
  switch (q.type) {
    case 'non-relational':
      if (q.subtype === 0) return shapeAnswer(s);
      if (q.subtype === 1) return s.x < HALF_IMAGE ? ANSWER.yes : ANSWER.no;
      return s.y < HALF_IMAGE ? ANSWER.yes : ANSWER.no;
    case 'binary': {
      if (q.subtype === 2) return ANSWER.count0 + others.filter((o) => o.shape === s.shape).length;
      let best = others[0] as SceneObject;
      let bestD = -1;
      for (const o of others) {
        const d = (o.x - s.x) ** 2 + (o.y - s.y) ** 2;
        const better = q.subtype === 0 ? bestD < 0 || d < bestD : d > bestD;
        if (better) {
          best = o;
          bestD = d;
        }
      }
      return shapeAnswer(best);
    }
    case 'ternary': {
      if (q.second === undefined || q.second === q.subject) {
        throw new Error('answerQuestion: a ternary question needs a second colour distinct from its subject.');
      }
      const a = s;
      const b = byColour(objects, q.second);
      const rest = objects.filter((o) => o.colour !== a.colour && o.colour !== b.colour);
      if (q.subtype === 0) {
        const [x0, x1] = [Math.min(a.x, b.x), Math.max(a.x, b.x)];
        const [y0, y1] = [Math.min(a.y, b.y), Math.max(a.y, b.y)];
        return ANSWER.count0 + rest.filter((c) => c.x > x0 && c.x < x1 && c.y > y0 && c.y < y1).length;
      }
      if (q.subtype === 1) {
        const dx = b.x - a.x;
        const dy = b.y - a.y;
        const near = rest.some((c) => Math.abs((c.y - a.y) * dx - dy * (c.x - a.x)) <= LINE_BAND * Math.abs(dx));
        return near ? ANSWER.yes : ANSWER.no;
      }
      const dot = (p: SceneObject, u: SceneObject, v: SceneObject): number => (u.x - p.x) * (v.x - p.x) + (u.y - p.y) * (v.y - p.y);
      return ANSWER.count0 + rest.filter((c) => dot(a, b, c) < 0 || dot(b, a, c) < 0 || dot(c, a, b) < 0).length;
    }
  }
}

/** The question in words, e.g. `What is the shape of the red object?`. */
export function describeQuestion(q: Question): string {
  const name = (c: number | undefined): string => SORT_OF_CLEVR_COLOURS[c ?? -1]?.name ?? `colour ${c}`;
  const s = name(q.subject);
  switch (q.type) {
    case 'non-relational':
      return [`What is the shape of the ${s} object?`, `Is the ${s} object on the left?`, `Is the ${s} object on the top?`][
        q.subtype
      ] as string;
    case 'binary':
      return [
        `What is the shape of the object nearest to the ${s} object?`,
        `What is the shape of the object furthest from the ${s} object?`,
        `How many other objects have the shape of the ${s} object?`,
      ][q.subtype] as string;
    case 'ternary': {
      const b = name(q.second);
      return [
        `How many objects lie inside the box spanned by the ${s} and ${b} objects?`,
        `Does any object lie within ${LINE_BAND} px (vertically) of the line through the ${s} and ${b} objects?`,
        `How many objects form an obtuse triangle with the ${s} and ${b} objects?`,
      ][q.subtype] as string;
    }
  }
}
