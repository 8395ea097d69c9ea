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
import { readManifest } from './synthetic-manifest-file';
import { type SyntheticSplit, countSchema, exampleRng, seedSchema, splitSchema } from './synthetic-options';
import { memoryRecord, openSetFiles, readRecord, setDataset, writeSetFiles } from './synthetic-set-files';

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
  const manifest = {
    format: SYNTHETIC_FORMAT,
    version: 1,
    task: 'sort-of-clevr',
    split: o.split,
    seed: o.seed,
    count: n,
    questionsPerType: o.questionsPerType,
    labelNames: [...SORT_OF_CLEVR_ANSWER_NAMES],
    files: { ...SORT_OF_CLEVR_FILES },
  } as const;
  const dims = { images: [n, s, s, 3], objects: [n, SORT_OF_CLEVR_OBJECTS, 3], questions: [n, q, QUESTION_SIZE], answers: [n, q] };
  const qBuf = new Float32Array(QUESTION_SIZE);
  return writeSetFiles(dir, manifest, dims, { every: 100, onProgress: o.onProgress }, async (j, w) => {
    const g = generateSortOfClevrImage(exampleRng('sort-of-clevr', o.split, o.seed, j), o.questionsPerType);
    await w.images.append(renderScene(g.objects));
    await w.objects.append(Uint8Array.from(g.objects.flatMap((ob) => [ob.x, ob.y, ob.shape === 'square' ? 0 : 1])));
    const qs = new Uint8Array(q * QUESTION_SIZE);
    g.questions.forEach((question, k) => qs.set(encodeQuestion(question, qBuf), k * QUESTION_SIZE));
    await w.questions.append(qs);
    await w.answers.append(Uint8Array.from(g.answers));
  });
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
  const { files, paths, close } = await openSetFiles(dir, m, SORT_OF_CLEVR_FILES, {
    images: { dims: [n, s, s, 3], mode: o.mode },
    objects: { dims: [n, SORT_OF_CLEVR_OBJECTS, 3], mode: 'memory' },
    questions: { dims: [n, q, QUESTION_SIZE], mode: 'memory' },
    answers: { dims: [n, q], mode: 'memory' },
  });
  const { images, objects, questions, answers } = files;
  const size = n * q;
  const datasetName = `sort-of-clevr-${m.split}`;
  const assemble = (i: number, image: Uint8Array): Sample<SortOfClevrExtra> => {
    const imageIndex = Math.floor(i / q);
    const questionIndex = i % q;
    const objs = decodeObjects(memoryRecord(objects, imageIndex), `${paths.objects}, image ${imageIndex}`);
    const vector = Float32Array.from(
      memoryRecord(questions, imageIndex).subarray(questionIndex * QUESTION_SIZE, (questionIndex + 1) * QUESTION_SIZE),
    );
    const question = decodeQuestion(vector, `${paths.questions}, image ${imageIndex}, question ${questionIndex}`);
    const label = memoryRecord(answers, imageIndex)[questionIndex] as number;
    const expected = answerQuestion(objs, question);
    if (label !== expected) {
      throw new Error(
        `${paths.answers}: image ${imageIndex}, question ${questionIndex} stores answer ${label} but the stored ` +
          `objects give ${expected}; the set is corrupt. Write it again.`,
      );
    }
    return { image, label, inputs: [vector], extra: { imageIndex, questionIndex, objects: objs, question } };
  };
  const info = { name: datasetName, size, ...SORT_OF_CLEVR_INFO, close };
  return setDataset(
    info,
    o.mode,
    (i) => assemble(i, memoryRecord(images, Math.floor(i / q))),
    async (i) => assemble(i, await readRecord(images, Math.floor(i / q))),
  );
}
