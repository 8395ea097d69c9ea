// The accuracy check of the publish script: Sort-of-CLEVR's relational accuracy pools the binary and
// ternary questions by examples, and each way a run falls short of its target is named.
import { describe, expect, it } from 'vitest';
import { questionTypeAccuracy, targetShortfalls, type EvalReport } from '../../scripts/pretrained-targets';

const clevr: EvalReport = {
  accuracy: 0.85,
  examples: 600,
  dataset: 'sort-of-clevr-test',
  groups: [
    {
      name: 'question type',
      groups: [
        { group: 'non-relational', examples: 200, correct: 198, accuracy: 0.99 },
        { group: 'binary', examples: 300, correct: 270, accuracy: 0.9 },
        { group: 'ternary', examples: 100, correct: 50, accuracy: 0.5 },
      ],
    },
    { name: 'question', groups: [] },
  ],
};

describe('the targets of publish-pretrained', () => {
  it('relational accuracy pools binary and ternary by examples; data sets without question types have none', () => {
    expect(questionTypeAccuracy(clevr)).toEqual({ 'non-relational': 0.99, binary: 0.9, ternary: 0.5, relational: 0.8 });
    expect(questionTypeAccuracy({ ...clevr, groups: [] })).toBeUndefined();
  });

  it('names every shortfall: overall, per question type, and a question type that was not measured', () => {
    const target = { questionTypes: { 'non-relational': 0.98, relational: 0.8 } };
    expect(targetShortfalls(target, clevr.accuracy, questionTypeAccuracy(clevr))).toEqual([]);
    expect(targetShortfalls({ questionTypes: { relational: 0.81 } }, clevr.accuracy, questionTypeAccuracy(clevr))).toEqual([
      'relational 80.00 % < 81.00 %',
    ]);
    expect(targetShortfalls({ accuracy: 0.99, questionTypes: { relational: 0.8 } }, 0.985, undefined)).toEqual([
      'accuracy 98.50 % < 99.00 %',
      'relational not measured (target 80.00 %)',
    ]);
    expect(targetShortfalls({ accuracy: 0.9 }, 0.9, undefined)).toEqual([]);
  });
});
