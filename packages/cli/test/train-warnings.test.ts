import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import type { TrainSummary } from '../src/index';
import { chanceLevelWarning, learningRateWarning } from '../src/util/run-warnings';
import { cli, tinyConfigFile } from './helpers';

describe('ait train warns about a learning rate far from the recipe and a result at chance level', () => {
  const dir = useTempDir('ait-cli-');
  let config: string;
  beforeAll(async () => {
    config = await tinyConfigFile(dir(), { epochs: 1 });
  });

  it('a learning rate 1/100 000 of the recipe: both warnings, on stderr and in summary.json', async () => {
    const run = join(dir(), 'cold');
    const r = await cli('train', '--config', config, '--out', run, '--lr', '1e-8', '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(
      /^warning: --lr 1e-8 is 1\/100,000 of the learning rate of ait-tiny's recipe \(0\.001\), far outside 0\.00001 to 0\.01: training this far below it learns very little/m,
    );
    // 16 test examples: chance is 50 % +- two standard errors of 12.5 %
    expect(r.err).toMatch(
      /^warning: the final test accuracy \d+\.\d\d % is at chance level \(50\.00 % for 2 classes; not above it by two standard errors on 16 test examples\)/m,
    );
    const summary = JSON.parse(r.out) as TrainSummary;
    expect(summary.status).toBe('completed');
    expect(summary.warnings).toHaveLength(2);
    const saved = JSON.parse(await readFile(join(run, 'summary.json'), 'utf8')) as TrainSummary;
    expect(saved.warnings).toEqual(summary.warnings);
  });

  it('--lr 10 is warned about before it starts, and the explosion it causes stops the run', async () => {
    const r = await cli('train', '--config', config, '--out', join(dir(), 'hot'), '--lr', '10', '--epochs', '2');
    expect(r.err).toMatch(
      /^warning: --lr 10 is 10,000 times the learning rate of ait-tiny's recipe \(0\.001\), far outside 0\.00001 to 0\.01: training this far above it usually diverges or ends at chance level\. Consider --lr 0\.001\./m,
    );
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: Training diverged: the loss exploded to /m);
  });

  it('the thresholds', () => {
    expect(learningRateWarning(0.01, 0.001, 'm', '--lr')).toBeUndefined();
    expect(learningRateWarning(0.00001, 0.001, 'm', '--lr')).toBeUndefined();
    expect(learningRateWarning(0.011, 0.001, 'm', '--lr')).toMatch(/^--lr 0\.011 is 11 times/);
    expect(learningRateWarning(0.02, 0.002, 'ait-tiny-conv', 'key "lr" of a.yaml')).toBeUndefined();
    // 2000 test examples of 2 classes: chance up to 52.24 %
    expect(chanceLevelWarning(0.5, 2, 2000, 10, 'm', 0.002)).toMatch(
      /at chance level \(50\.00 % for 2 classes; not above it by two standard errors on 2,000 test examples\).*this run: 10; m's recipe: 0\.002/,
    );
    expect(chanceLevelWarning(0.522, 2, 2000, 10, 'm', 0.002)).toBeDefined();
    expect(chanceLevelWarning(0.53, 2, 2000, 10, 'm', 0.002)).toBeUndefined();
    expect(chanceLevelWarning(0.12, 10, 10000, 1e-3, 'm', 1e-3)).toBeUndefined();
    expect(chanceLevelWarning(null, 2, 2000, 1, 'm', 1)).toBeUndefined();
  });
});
