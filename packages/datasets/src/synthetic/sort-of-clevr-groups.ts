import type { SampleGrouping } from '../dataset/sample-grouping';
import { QUESTION_TYPES, type Question, type QuestionType, decodeQuestion } from './sort-of-clevr-questions';

/**
 * Short names of the three sub-questions of each question type, by subtype (see `Question`):
 * non-relational 0 shape / 1 left / 2 top; binary 0 nearest's shape / 1 furthest's shape / 2 count
 * of same shape; ternary 0 count inside the A-B box / 1 any object on line AB / 2 count of obtuse
 * triangles.
 */
export const SORT_OF_CLEVR_SUBQUESTIONS: Readonly<Record<QuestionType, readonly [string, string, string]>> = {
  'non-relational': ['shape', 'on the left', 'on the top'],
  binary: ['shape of nearest', 'shape of furthest', 'count same shape'],
  ternary: ['count in box', 'any on line', 'count obtuse'],
};

/** The nine sub-question names, `<type>: <sub-question>`, in type then subtype order (index `3 * type + subtype`). */
export const SORT_OF_CLEVR_QUESTION_NAMES: readonly string[] = QUESTION_TYPES.flatMap((type) =>
  SORT_OF_CLEVR_SUBQUESTIONS[type].map((sub) => `${type}: ${sub}`),
);

/** Index of a question's type in `QUESTION_TYPES` (0 non-relational, 1 binary, 2 ternary). */
export function questionTypeIndex(question: Question): number {
  return QUESTION_TYPES.indexOf(question.type);
}

/** Index of a question's sub-question in {@link SORT_OF_CLEVR_QUESTION_NAMES}: `3 * type + subtype`. */
export function subQuestionIndex(question: Question): number {
  return 3 * questionTypeIndex(question) + question.subtype;
}

/** The question of a Sort-of-CLEVR sample, decoded from its extra input `[18]` (so files written by any version qualify). */
function sampleQuestion(inputs: readonly Float32Array[] | undefined): Question {
  const vector = inputs?.[0];
  if (vector === undefined) throw new Error('Sort-of-CLEVR grouping: the sample has no question input; it is not a Sort-of-CLEVR sample.');
  return decodeQuestion(vector, 'Sort-of-CLEVR grouping');
}

/**
 * The groupings of every Sort-of-CLEVR data set (`DatasetInfo.groupings`): `question type`
 * (`non-relational`, `binary`, `ternary`: the relational questions about two and three objects)
 * and `question` (the nine sub-questions of {@link SORT_OF_CLEVR_QUESTION_NAMES}). Both are read
 * from the sample's question vector.
 */
export const SORT_OF_CLEVR_GROUPINGS: readonly SampleGrouping[] = [
  { name: 'question type', groups: QUESTION_TYPES, groupOf: (sample) => questionTypeIndex(sampleQuestion(sample.inputs)) },
  { name: 'question', groups: SORT_OF_CLEVR_QUESTION_NAMES, groupOf: (sample) => subQuestionIndex(sampleQuestion(sample.inputs)) },
];
