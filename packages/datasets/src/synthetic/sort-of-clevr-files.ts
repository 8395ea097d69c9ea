import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { validateConfig, z } from '@ait/core';
import { type AsyncRandomAccessDataset, type RandomAccessDataset, type Sample } from '../dataset/dataset';
import {
  SORT_OF_CLEVR_INFO,
  SORT_OF_CLEVR_QUESTIONS_PER_TYPE,
  SORT_OF_CLEVR_SPLIT_IMAGES,
  type SortOfClevrExtra,
  generateSortOfClevrImage,
} from './sort-of-clevr-dataset';
import { QUESTION_SIZE, SORT_OF_CLEVR_ANSWER_NAMES, answerQuestion, decodeQuestion, encodeQuestion } from './sort-of-clevr-questions';
import { SORT_OF_CLEVR_IMAGE_SIZE, SORT_OF_CLEVR_OBJECTS, type SceneObject, renderScene } from './sort-of-clevr-scene';
import { MANIFEST_FILE, SYNTHETIC_FORMAT, type SyntheticManifest } from './synthetic-manifest';
import { readManifest, writeManifest } from './synthetic-manifest-file';
import { type SyntheticSplit, countSchema, exampleRng, seedSchema, splitSchema } from './synthetic-options';
import { type OpenedIdx, closeSetFiles, createWriters, memoryRecord, openSetFile, readRecord } from './synthetic-set-files';

/** IDX files of a written Sort-of-CLEVR set. */
export const SORT_OF_CLEVR_FILES = {
  images: 'images.idx',
  objects: 'objects.idx',
  questions: 'questions.idx',
  answers: 'answers.idx',
} as const;

/** Options of {@link writeSortOfClevrSet}. */
export interface WriteSortOfClevrSetOptions {
  /** Split; default `train`. */
  split?: SyntheticSplit;
  /** Number of images; default 9,800 (train) or 200 (test). */
  images?: number;
  /** Seed; default 0. The written set equals `sortOfClevrDataset` with the same options. */
  seed?: number | string;
  /** Questions of each family per image; default 10. */
  questionsPerType?: number;
  /** Called after every 100 images and at the end with (written, total). */
  onProgress?: (written: number, total: number) => void;
}

const writeSchema = z.strictObject({
  split: splitSchema.default('train'),
  images: countSchema.optional(),
  seed: seedSchema.default(0),
  questionsPerType: countSchema.default(SORT_OF_CLEVR_QUESTIONS_PER_TYPE),
  onProgress: z.custom<(written: number, total: number) => void>((v) => typeof v === 'function').optional(),
});

/**
 * Generates a Sort-of-CLEVR set and writes it into folder `dir` in streaming fashion (one image
 * at a time). The folder then holds, as uncompressed IDX files of unsigned bytes (`n` images,
 * `Q = 3 * questionsPerType`): `images.idx` `[n, 75, 75, 3]`, `objects.idx` `[n, 6, 3]` (x, y,
 * shape 0 square / 1 circle of the object of colour 0..5), `questions.idx` `[n, Q, 18]`,
 * `answers.idx` `[n, Q]`, and last `manifest.json`. Returns the manifest.
 */
export async function writeSortOfClevrSet(dir: string, options: WriteSortOfClevrSetOptions = {}): Promise<SyntheticManifest> {
  const o = validateConfig('writeSortOfClevrSet', writeSchema, options);
  const n = o.images ?? SORT_OF_CLEVR_SPLIT_IMAGES[o.split];
  const q = 3 * o.questionsPerType;
  const s = SORT_OF_CLEVR_IMAGE_SIZE;
  await mkdir(dir, { recursive: true });
  const writers = await createWriters(dir, [
    { name: SORT_OF_CLEVR_FILES.images, dims: [n, s, s, 3] },
    { name: SORT_OF_CLEVR_FILES.objects, dims: [n, SORT_OF_CLEVR_OBJECTS, 3] },
    { name: SORT_OF_CLEVR_FILES.questions, dims: [n, q, QUESTION_SIZE] },
    { name: SORT_OF_CLEVR_FILES.answers, dims: [n, q] },
  ]);
  const [images, objects, questions, answers] = writers as [
    (typeof writers)[0],
    (typeof writers)[0],
    (typeof writers)[0],
    (typeof writers)[0],
  ];
  const qBuf = new Float32Array(QUESTION_SIZE);
  try {
    for (let j = 0; j < n; j++) {
      const g = generateSortOfClevrImage(exampleRng('sort-of-clevr', o.split, o.seed, j), o.questionsPerType);
      await images.append(renderScene(g.objects));
      await objects.append(Uint8Array.from(g.objects.flatMap((ob) => [ob.x, ob.y, ob.shape === 'square' ? 0 : 1])));
      const qs = new Uint8Array(q * QUESTION_SIZE);
      g.questions.forEach((question, k) => qs.set(encodeQuestion(question, qBuf), k * QUESTION_SIZE));
      await questions.append(qs);
      await answers.append(Uint8Array.from(g.answers));
      if ((j + 1) % 100 === 0 || j + 1 === n) o.onProgress?.(j + 1, n);
    }
    for (const w of writers) await w.close();
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort()));
    throw err;
  }
  const manifest: SyntheticManifest = {
    format: SYNTHETIC_FORMAT,
    version: 1,
    task: 'sort-of-clevr',
    split: o.split,
    seed: o.seed,
    count: n,
    questionsPerType: o.questionsPerType,
    labelNames: [...SORT_OF_CLEVR_ANSWER_NAMES],
    files: { ...SORT_OF_CLEVR_FILES },
  };
  await writeManifest(dir, manifest);
  return manifest;
}

/** Options of {@link openSortOfClevrSet}. */
export interface OpenSortOfClevrSetOptions {
  /** `memory` (default: read all files) or `disk` (read images on demand). */
  mode?: 'memory' | 'disk';
}

const openSchema = z.strictObject({
  mode: z.enum(['memory', 'disk'], 'must be "memory" or "disk"').default('memory'),
});

function decodeObjects(bytes: Uint8Array, where: string): SceneObject[] {
  const out: SceneObject[] = [];
  for (let k = 0; k < SORT_OF_CLEVR_OBJECTS; k++) {
    const x = bytes[3 * k] as number;
    const y = bytes[3 * k + 1] as number;
    const shape = bytes[3 * k + 2] as number;
    if (shape > 1 || x >= SORT_OF_CLEVR_IMAGE_SIZE || y >= SORT_OF_CLEVR_IMAGE_SIZE) {
      throw new Error(
        `${where}: object ${k} is (x ${x}, y ${y}, shape ${shape}); shape must be 0 or 1 and x, y < 75. The file is corrupt.`,
      );
    }
    out.push({ colour: k, x, y, shape: shape === 0 ? 'square' : 'circle' });
  }
  return out;
}

/**
 * Opens a Sort-of-CLEVR set written by {@link writeSortOfClevrSet}: samples as in
 * `sortOfClevrDataset` (one question per sample, the question as extra input `[18]`, the objects
 * in `extra`). Checks the manifest and file shapes, and on every read that the stored answer
 * agrees with the one computed from the stored objects; errors name the file and the problem.
 */
export function openSortOfClevrSet(dir: string, options?: { mode?: 'memory' }): Promise<RandomAccessDataset<SortOfClevrExtra>>;
export function openSortOfClevrSet(dir: string, options: { mode: 'disk' }): Promise<AsyncRandomAccessDataset<SortOfClevrExtra>>;
export function openSortOfClevrSet(
  dir: string,
  options?: OpenSortOfClevrSetOptions,
): Promise<RandomAccessDataset<SortOfClevrExtra> | AsyncRandomAccessDataset<SortOfClevrExtra>>;
export async function openSortOfClevrSet(
  dir: string,
  options: OpenSortOfClevrSetOptions = {},
): Promise<RandomAccessDataset<SortOfClevrExtra> | AsyncRandomAccessDataset<SortOfClevrExtra>> {
  const o = validateConfig('openSortOfClevrSet', openSchema, options);
  const m = await readManifest(dir, 'sort-of-clevr', 'writeSortOfClevrSet');
  const where = join(dir, MANIFEST_FILE);
  if (m.questionsPerType === undefined) throw new Error(`${where} lacks questionsPerType; write the set again.`);
  const n = m.count;
  const q = 3 * m.questionsPerType;
  const s = SORT_OF_CLEVR_IMAGE_SIZE;
  const files = m.files as Record<string, string | undefined>;
  const name = (role: keyof typeof SORT_OF_CLEVR_FILES): string => files[role] ?? SORT_OF_CLEVR_FILES[role];
  const opened: OpenedIdx[] = [];
  try {
    opened.push(await openSetFile(dir, name('images'), [n, s, s, 3], o.mode, where));
    opened.push(await openSetFile(dir, name('objects'), [n, SORT_OF_CLEVR_OBJECTS, 3], 'memory', where));
    opened.push(await openSetFile(dir, name('questions'), [n, q, QUESTION_SIZE], 'memory', where));
    opened.push(await openSetFile(dir, name('answers'), [n, q], 'memory', where));
  } catch (err) {
    await closeSetFiles(opened);
    throw err;
  }
  const [images, objects, questions, answers] = opened as [OpenedIdx, OpenedIdx, OpenedIdx, OpenedIdx];
  const size = n * q;
  const datasetName = `sort-of-clevr-${m.split}`;
  const assemble = (i: number, image: Uint8Array): Sample<SortOfClevrExtra> => {
    const imageIndex = Math.floor(i / q);
    const questionIndex = i % q;
    const objs = decodeObjects(memoryRecord(objects, imageIndex), `${join(dir, name('objects'))}, image ${imageIndex}`);
    const vector = Float32Array.from(
      memoryRecord(questions, imageIndex).subarray(questionIndex * QUESTION_SIZE, (questionIndex + 1) * QUESTION_SIZE),
    );
    const question = decodeQuestion(vector, `${join(dir, name('questions'))}, image ${imageIndex}, question ${questionIndex}`);
    const label = memoryRecord(answers, imageIndex)[questionIndex] as number;
    const expected = answerQuestion(objs, question);
    if (label !== expected) {
      throw new Error(
        `${join(dir, name('answers'))}: image ${imageIndex}, question ${questionIndex} stores answer ${label} but the stored ` +
          `objects give ${expected}; the set is corrupt. Write it again.`,
      );
    }
    return { image, label, inputs: [vector], extra: { imageIndex, questionIndex, objects: objs, question } };
  };
  const check = (i: number): void => {
    if (!Number.isInteger(i) || i < 0 || i >= size) throw new RangeError(`Dataset '${datasetName}': index ${i} is outside [0, ${size}).`);
  };
  const info = { name: datasetName, size, ...SORT_OF_CLEVR_INFO, close: () => closeSetFiles(opened) };
  if (o.mode === 'memory') {
    return {
      ...info,
      access: 'random',
      get(i: number) {
        check(i);
        return assemble(i, memoryRecord(images, Math.floor(i / q)));
      },
    };
  }
  return {
    ...info,
    access: 'async-random',
    async read(i: number) {
      check(i);
      return assemble(i, await readRecord(images, Math.floor(i / q)));
    },
  };
}
