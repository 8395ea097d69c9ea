import { accuracyByGroup } from '@ait/core';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AUGMENTATION_KINDS,
  augmentationProblems,
  exampleGroupings,
  freshSortOfClevrDataset,
  openSortOfClevrSet,
  QUESTION_TYPES,
  SORT_OF_CLEVR_GROUPINGS,
  SORT_OF_CLEVR_QUESTION_NAMES,
  sortOfClevrDataset,
  subQuestionIndex,
  triangleDataset,
  writeSortOfClevrSet,
  type SortOfClevrExtra,
} from '../src/index';
import { tempDirs } from './helpers/temp-dir';

const temp = tempDirs('groups');
afterAll(() => temp.cleanup());

describe('Sort-of-CLEVR question groups', () => {
  it('names the three question types and nine sub-questions, in type then subtype order', () => {
    expect(SORT_OF_CLEVR_GROUPINGS.map((g) => g.name)).toEqual(['question type', 'question']);
    expect(SORT_OF_CLEVR_GROUPINGS[0]?.groups).toEqual(['non-relational', 'binary', 'ternary']);
    expect(SORT_OF_CLEVR_QUESTION_NAMES).toHaveLength(9);
    expect(SORT_OF_CLEVR_QUESTION_NAMES[0]).toBe('non-relational: shape');
    expect(SORT_OF_CLEVR_QUESTION_NAMES[4]).toBe('binary: shape of furthest');
    expect(SORT_OF_CLEVR_QUESTION_NAMES[8]).toBe('ternary: count obtuse');
  });

  it('puts every sample in the group of its question (checked against extra.question)', () => {
    const set = sortOfClevrDataset({ images: 4, seed: 3, questionsPerType: 5 });
    expect(set.groupings).toBe(SORT_OF_CLEVR_GROUPINGS);
    const [byType, byQuestion] = SORT_OF_CLEVR_GROUPINGS;
    const counts = [0, 0, 0];
    const seenSub = new Set<number>();
    for (let i = 0; i < set.size; i++) {
      const s = set.get(i);
      const q = (s.extra as SortOfClevrExtra).question;
      const t = byType?.groupOf(s) as number;
      expect(t).toBe(QUESTION_TYPES.indexOf(q.type));
      const sub = byQuestion?.groupOf(s) as number;
      expect(sub).toBe(3 * t + q.subtype);
      expect(SORT_OF_CLEVR_QUESTION_NAMES[sub]?.startsWith(`${q.type}: `)).toBe(true);
      counts[t] = (counts[t] as number) + 1;
      seenSub.add(sub);
    }
    expect(counts).toEqual([20, 20, 20]);
    expect(seenSub.size).toBe(9);
  });

  it('exampleGroupings lists the group of every sample in index order, the same for generated sets and files on disk', async () => {
    const options = { images: 3, seed: 7, questionsPerType: 2 };
    const generated = sortOfClevrDataset(options);
    const groupings = await exampleGroupings(generated);
    expect(groupings.map((g) => g.name)).toEqual(['question type', 'question']);
    expect(Array.from(groupings[0]?.indices ?? [])).toEqual([0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2]);
    const sub = Array.from(groupings[1]?.indices ?? []);
    expect(sub).toEqual(Array.from({ length: 18 }, (_, i) => subQuestionIndex((generated.get(i).extra as SortOfClevrExtra).question)));

    const dir = await temp.make();
    await writeSortOfClevrSet(dir, options);
    for (const opened of [await openSortOfClevrSet(dir), await openSortOfClevrSet(dir, { mode: 'disk' })]) {
      const fromFiles = await exampleGroupings(opened);
      expect(fromFiles.map((g) => Array.from(g.indices))).toEqual(groupings.map((g) => Array.from(g.indices)));
      await opened.close?.();
    }
  });

  it('feeds accuracyByGroup: a model right on exactly the non-relational questions scores 1, 0, 0', async () => {
    const set = sortOfClevrDataset({ images: 2, seed: 1, questionsPerType: 4 });
    const [byType] = await exampleGroupings(set);
    const labels = Array.from({ length: set.size }, (_, i) => set.get(i).label);
    const predicted = labels.map((y, i) => (byType?.indices[i] === 0 ? y : (y + 1) % 10));
    const result = accuracyByGroup(predicted, labels, byType as NonNullable<typeof byType>);
    expect(result.groups.map((g) => [g.group, g.examples, g.accuracy])).toEqual([
      ['non-relational', 8, 1],
      ['binary', 8, 0],
      ['ternary', 8, 0],
    ]);
  });

  it('gives no groupings for a data set without them, and refuses a stream', async () => {
    expect(await exampleGroupings(triangleDataset({ size: 4 }))).toEqual([]);
    await expect(exampleGroupings(freshSortOfClevrDataset({ imagesPerEpoch: 1 }))).rejects.toThrow(/is streamed/);
  });
});

describe('augmentationProblems', () => {
  it('refuses flips and crops where they change labels, and says why', () => {
    expect(augmentationProblems('sort-of-clevr', { horizontalFlip: true, cropPadding: 4 })).toEqual([
      expect.stringMatching(/^random crop changes sort-of-clevr labels: .*on the left/),
      expect.stringMatching(/^horizontal flip changes sort-of-clevr labels: .*left and right/),
    ]);
    expect(augmentationProblems('mnist', { horizontalFlip: true })).toEqual([expect.stringMatching(/mirrored digit/)]);
    expect(augmentationProblems('mnist', { cropPadding: 2 })).toEqual([]);
    expect(augmentationProblems('oriented-bars', { horizontalFlip: true })).toHaveLength(1);
    for (const kind of ['triangle', 'fashion-mnist', 'cifar10', 'cifar100']) {
      expect(augmentationProblems(kind, { horizontalFlip: true, cropPadding: 4 })).toEqual([]);
    }
    expect(augmentationProblems('my-photos', { horizontalFlip: true, cropPadding: 4 })).toEqual([]);
    expect(augmentationProblems('sort-of-clevr', {})).toEqual([]);
    expect(AUGMENTATION_KINDS).toContain('sort-of-clevr');
  });
});
