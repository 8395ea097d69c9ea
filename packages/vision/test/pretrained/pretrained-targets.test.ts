// The accuracy check of the publish script: Sort-of-CLEVR's accuracy per question type, with the binary
// and ternary questions also pooled by examples, and each way a run falls short of its target named.
import { describe, expect, it } from 'vitest';
import { questionTypeAccuracy, targetShortfalls, type EvalReport } from '../../scripts/pretrained-targets';

const clevr: EvalReport = {
  accuracy: 508 / 600,
  examples: 600,
  dataset: 'sort-of-clevr-test',
  groups: [
    {
      name: 'question type',
      groups: [
        { group: 'non-relational', examples: 200, correct: 198, accuracy: 0.99 },
        { group: 'binary', examples: 300, correct: 270, accuracy: 0.9 },
        { group: 'ternary', examples: 100, correct: 40, accuracy: 0.4 },
      ],
    },
    { name: 'question', groups: [] },
  ],
};

describe('the targets of publish-pretrained', () => {
  it('gives each question type, and binary and ternary pooled by examples; data sets without question types have none', () => {
    expect(questionTypeAccuracy(clevr)).toEqual({ 'non-relational': 0.99, binary: 0.9, ternary: 0.4, 'binary and ternary': 310 / 400 });
    expect(questionTypeAccuracy({ ...clevr, groups: [] })).toBeUndefined();
  });

  it('names every shortfall: overall, per question type, and a question type that was not measured', () => {
    const perType = questionTypeAccuracy(clevr);
    // the shipped Sort-of-CLEVR target (shipped-pretrained.test.ts checks the table): binary 90 % and
    // non-relational 99 % reach it although binary and ternary pooled are at 77.5 %
    expect(targetShortfalls({ questionTypes: { 'non-relational': 0.98, binary: 0.8 } }, clevr.accuracy, perType)).toEqual([]);
    expect(targetShortfalls({ questionTypes: { binary: 0.91, 'binary and ternary': 0.8 } }, clevr.accuracy, perType)).toEqual([
      'binary 90.00 % < 91.00 %',
      'binary and ternary 77.50 % < 80.00 %',
    ]);
    expect(targetShortfalls({ accuracy: 0.99, questionTypes: { binary: 0.8 } }, 0.985, undefined)).toEqual([
      'accuracy 98.50 % < 99.00 %',
      'binary not measured (target 80.00 %)',
    ]);
    expect(targetShortfalls({ accuracy: 0.9 }, 0.9, undefined)).toEqual([]);
  });
});
