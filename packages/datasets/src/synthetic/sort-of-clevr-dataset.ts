import { type SeededRandom, validateConfig, z } from '@ait/core';
import { type NormalizationStats, type RandomAccessDataset, type StreamingDataset } from '../dataset/dataset';
import {
  QUESTION_SIZE,
  SORT_OF_CLEVR_ANSWER_NAMES,
  type Question,
  answerQuestion,
  encodeQuestion,
  sampleQuestions,
} from './sort-of-clevr-questions';
import { SORT_OF_CLEVR_GROUPINGS } from './sort-of-clevr-groups';
import { SORT_OF_CLEVR_IMAGE_SIZE, type SceneObject, renderScene, sampleScene } from './sort-of-clevr-scene';
import { type SyntheticSplit, checkIndex, countSchema, exampleRng, seedSchema, splitSchema } from './synthetic-options';

/** Image counts of the Sort-of-CLEVR splits in the reference. */
export const SORT_OF_CLEVR_SPLIT_IMAGES: Readonly<Record<SyntheticSplit, number>> = { train: 9_800, test: 200 };
/** Questions of each family per image in the reference. */
export const SORT_OF_CLEVR_QUESTIONS_PER_TYPE = 10;

/**
 * Normalisation statistics of Sort-of-CLEVR images (R, G, B), measured on generated sets; a test
 * checks them against freshly generated data.
 */
export const SORT_OF_CLEVR_NORMALIZATION: NormalizationStats = {
  mean: [0.9553, 0.9484, 0.9197],
  std: [0.1955, 0.2004, 0.2634],
};

/** One generated Sort-of-CLEVR image with its objects, questions and answers. */
export interface SortOfClevrImage {
  /** The six objects (object k has colour k). */
  readonly objects: readonly SceneObject[];
  /** `3 * questionsPerType` questions: non-relational, then binary, then ternary. */
  readonly questions: readonly Question[];
  /** The answer class of each question, computed from `objects`. */
  readonly answers: readonly number[];
}

/** Metadata of each Sort-of-CLEVR sample (its `extra`): where it comes from and the scene it asks about. */
export interface SortOfClevrExtra {
  readonly imageIndex: number;
  readonly questionIndex: number;
  readonly objects: readonly SceneObject[];
  readonly question: Question;
}

/**
 * Draws one Sort-of-CLEVR image from `rng`: the scene ({@link sampleScene}), then
 * `questionsPerType` questions of each family ({@link sampleQuestions}), answered from the objects.
 */
export function generateSortOfClevrImage(rng: SeededRandom, questionsPerType: number): SortOfClevrImage {
  const objects = sampleScene(rng);
  const questions = sampleQuestions(rng, questionsPerType);
  return { objects, questions, answers: questions.map((q) => answerQuestion(objects, q)) };
}

/** Options of {@link sortOfClevrDataset}. */
export interface SortOfClevrDatasetOptions {
  /** Split; default `train`. */
  split?: SyntheticSplit;
  /** Number of images; default 9,800 (train) or 200 (test). */
  images?: number;
  /** Seed of the set; default 0. */
  seed?: number | string;
  /** Questions of each family per image; default 10 (so 30 samples per image). */
  questionsPerType?: number;
}

const fixedSchema = z.strictObject({
  split: splitSchema.default('train'),
  images: countSchema.optional(),
  seed: seedSchema.default(0),
  questionsPerType: countSchema.default(SORT_OF_CLEVR_QUESTIONS_PER_TYPE),
});

interface RenderedImage {
  readonly index: number;
  readonly objects: readonly SceneObject[];
  readonly questions: readonly Question[];
  readonly image: Uint8Array;
}

/**
 * Common description of every Sort-of-CLEVR data set, with its groupings by question type and
 * sub-question (`SORT_OF_CLEVR_GROUPINGS`; each sample's question also sits in `extra.question`).
 */
export const SORT_OF_CLEVR_INFO = {
  imageShape: [SORT_OF_CLEVR_IMAGE_SIZE, SORT_OF_CLEVR_IMAGE_SIZE, 3] as const,
  numClasses: SORT_OF_CLEVR_ANSWER_NAMES.length,
  labelNames: SORT_OF_CLEVR_ANSWER_NAMES,
  normalization: SORT_OF_CLEVR_NORMALIZATION,
  extraInputs: [{ name: 'question', shape: [QUESTION_SIZE] }],
  groupings: SORT_OF_CLEVR_GROUPINGS,
} as const;

/**
 * A fixed, seeded Sort-of-CLEVR set (75 x 75 RGB, six objects, 18-d questions, 10 answers). One
 * sample is one question about one image: sample `i` asks question `i % Q` of image
 * `floor(i / Q)`, `Q = 3 * questionsPerType`. Image `j` is generated on demand from its own random
 * stream (seed, split and `j`), so the set needs no memory and any image can be read alone. Each
 * sample has the image `[75, 75, 3]` bytes, the question as its one extra input `[18]`, the
 * answer as label, and `extra` with the scene objects so answers can be checked.
 */
export function sortOfClevrDataset(options: SortOfClevrDatasetOptions = {}): RandomAccessDataset<SortOfClevrExtra> {
  const o = validateConfig('sortOfClevrDataset', fixedSchema, options);
  const images = o.images ?? SORT_OF_CLEVR_SPLIT_IMAGES[o.split];
  const perImage = 3 * o.questionsPerType;
  const size = images * perImage;
  const name = `sort-of-clevr-${o.split}`;
  let last: RenderedImage | undefined;
  const imageAt = (j: number): RenderedImage => {
    if (last?.index !== j) {
      // Same draws as generateSortOfClevrImage; answers are computed per sample, on demand.
      const rng = exampleRng('sort-of-clevr', o.split, o.seed, j);
      const objects = sampleScene(rng);
      const questions = sampleQuestions(rng, o.questionsPerType);
      last = { index: j, objects, questions, image: renderScene(objects) };
    }
    return last;
  };
  return {
    access: 'random',
    name,
    size,
    ...SORT_OF_CLEVR_INFO,
    get(index: number) {
      checkIndex(name, index, size);
      const imageIndex = Math.floor(index / perImage);
      const questionIndex = index % perImage;
      const r = imageAt(imageIndex);
      const question = r.questions[questionIndex] as Question;
      return {
        image: r.image,
        label: answerQuestion(r.objects, question),
        inputs: [encodeQuestion(question)],
        extra: { imageIndex, questionIndex, objects: r.objects, question },
      };
    },
  };
}

/** Options of {@link freshSortOfClevrDataset}. */
export interface FreshSortOfClevrOptions {
  /** Images generated per pass (epoch); each gives `3 * questionsPerType` samples. */
  imagesPerEpoch: number;
  /** Questions of each family per image; default 10. */
  questionsPerType?: number;
}

const freshSchema = z.strictObject({
  imagesPerEpoch: countSchema,
  questionsPerType: countSchema.default(SORT_OF_CLEVR_QUESTIONS_PER_TYPE),
});

/**
 * Sort-of-CLEVR in fresh-sample mode: each pass (`stream(rng)`) draws `imagesPerEpoch` new
 * images from `rng` and yields their questions image by image (use the pipeline's shuffle buffer
 * to mix them). A pass is reproducible for a given rng state.
 */
export function freshSortOfClevrDataset(options: FreshSortOfClevrOptions): StreamingDataset<SortOfClevrExtra> {
  const o = validateConfig('freshSortOfClevrDataset', freshSchema, options);
  const perImage = 3 * o.questionsPerType;
  return {
    access: 'stream',
    name: 'sort-of-clevr-fresh',
    size: o.imagesPerEpoch * perImage,
    ...SORT_OF_CLEVR_INFO,
    async *stream(rng) {
      for (let j = 0; j < o.imagesPerEpoch; j++) {
        const g = generateSortOfClevrImage(rng, o.questionsPerType);
        const image = renderScene(g.objects);
        for (let q = 0; q < perImage; q++) {
          const question = g.questions[q] as Question;
          yield {
            image,
            label: g.answers[q] as number,
            inputs: [encodeQuestion(question)],
            extra: { imageIndex: j, questionIndex: q, objects: g.objects, question },
          };
        }
      }
    },
  };
}
