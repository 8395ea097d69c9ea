import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { disposeCheckpoint, loadCheckpoint } from '@ait/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import type { EpochRecord, RunConfig, TrainSummary } from '../src/index';
import { metricsCsv } from '../src/util/metrics-csv';
import { readRecords } from '../src/util/metrics-log';
import { namedRecipe, paperRecipe } from '../src/util/training-recipe';
import { findPreset } from '../src/util/model-for-data';
import { cli, tinyConfigFile, TINY_AIT } from './helpers';

const dir = useTempDir('ait-cli-');

/** The tiny test AiT's config file in its own folder `name` (so config files do not overwrite each other). */
async function configIn(name: string, extra: Record<string, unknown> = {}): Promise<string> {
  const folder = join(dir(), name);
  await mkdir(folder, { recursive: true });
  return tinyConfigFile(folder, extra);
}

async function metricsLines(run: string): Promise<EpochRecord[]> {
  return (await readFile(join(run, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochRecord)
    .filter((l) => l.type === 'epoch');
}

async function bestPosition(run: string): Promise<{ epoch: number; step: number } | undefined> {
  const path = join(run, 'checkpoints', 'best.ckpt');
  if (!existsSync(path)) return undefined;
  const c = await loadCheckpoint(path);
  disposeCheckpoint(c);
  return c.position;
}

interface EvalJson {
  checkpoint: string;
  position: { epoch: number };
  examples: number;
  accuracy: number;
  groups: { name: string; groups: { group: string; examples: number; correct: number; accuracy: number | null }[] }[];
}

describe('ait train / eval on Sort-of-CLEVR: accuracy per question type', () => {
  let run: string;
  let summary: TrainSummary;
  let human: string;
  beforeAll(async () => {
    // patch 15 divides the 75-pixel images
    const config = await configIn('clevr-config', { dataset: 'sort-of-clevr', trainSize: 2, testSize: 2, epochs: 2 });
    await writeFile(config, (await readFile(config, 'utf8')).replace(`patchSize: ${TINY_AIT.patchSize}`, 'patchSize: 15'));
    run = join(dir(), 'clevr');
    const r = await cli('train', '--config', config, '--out', run, '--json');
    expect(r.code, r.err).toBe(0);
    summary = JSON.parse(r.out) as TrainSummary;
    const text = await cli('train', '--config', config, '--out', join(dir(), 'clevr-text'), '--epochs', '1');
    expect(text.code, text.err).toBe(0);
    human = text.out + text.err;
  });

  it('reports the accuracy of each question type and sub-question in --json, metrics.jsonl, metrics.csv and the text output', async () => {
    const byType = summary.finalGroupAccuracy?.['question type'] ?? {};
    expect(Object.keys(byType)).toEqual(['non-relational', 'binary', 'ternary']);
    expect(Object.keys(summary.finalGroupAccuracy?.question ?? {})).toHaveLength(9);
    // 2 test images x 10 questions of each type: each type's accuracy is a multiple of 1/20, and their mean is the accuracy
    for (const a of Object.values(byType)) expect(Math.abs((a as number) * 20 - Math.round((a as number) * 20))).toBeLessThan(1e-9);
    const mean = Object.values(byType).reduce<number>((s, a) => s + (a as number), 0) / 3;
    expect(mean).toBeCloseTo(summary.finalAccuracy as number, 12);
    const lines = await metricsLines(run);
    expect(lines.map((l) => Object.keys(l.testGroupAccuracy ?? {}))).toEqual([
      ['question type', 'question'],
      ['question type', 'question'],
    ]);
    const csv = (await readFile(join(run, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(3);
    expect(csv[0]).toContain('testAccuracy/question type/non-relational,testAccuracy/question type/binary');
    expect(csv[0]).toContain('testAccuracy/question/ternary: count obtuse');
    expect(human).toMatch(/test accuracy \d+\.\d\d % \(non-relational \d+\.\d\d %, binary \d+\.\d\d %, ternary \d+\.\d\d %\)/);
    expect(human).toMatch(/by question type\n\s+non-relational\s+\d+\.\d\d %\n\s+binary\s+\d+\.\d\d %\n\s+ternary/);
    expect(human).toMatch(/ternary: count obtuse\s+\d+\.\d\d %/);
  });

  it('ait eval gives the per-type counts that add up to the accuracy, as JSON and as tables', async () => {
    const r = await cli('eval', run, '--json');
    expect(r.code, r.err).toBe(0);
    const e = JSON.parse(r.out) as EvalJson;
    expect(e.examples).toBe(60);
    const [types, questions] = e.groups;
    expect(types?.groups.map((g) => [g.group, g.examples])).toEqual([
      ['non-relational', 20],
      ['binary', 20],
      ['ternary', 20],
    ]);
    expect(questions?.groups).toHaveLength(9);
    expect(questions?.groups.reduce((s, g) => s + g.examples, 0)).toBe(60);
    for (const grouping of e.groups) {
      expect(grouping.groups.reduce((s, g) => s + g.correct, 0) / 60).toBeCloseTo(e.accuracy, 12);
    }
    // the first 30 examples: the 30 questions of the first test image
    const text = await cli('eval', run, '--limit', '30');
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(
      /Accuracy by question type\nquestion type\s+examples\s+correct\s+accuracy\n[- ]+\nnon-relational\s+10\s+\d+\s+\d+\.\d\d %/,
    );
    expect(text.out).toMatch(/Accuracy by question\n/);
  });
});

describe('ait train: task and auxiliary loss apart, best checkpoint, augmentation, weight decay, recipes', () => {
  let config: string;
  let run: string;
  let summary: TrainSummary;
  beforeAll(async () => {
    config = await configIn('triangle-config', { epochs: 3 });
    run = join(dir(), 'triangle');
    const r = await cli('train', '--config', config, '--out', run, '--weight-decay', '0.02', '--json');
    expect(r.code, r.err).toBe(0);
    summary = JSON.parse(r.out) as TrainSummary;
  });

  it('keeps the task loss (beside the test loss) and the balance loss apart in metrics, CSV, curves and the summary', async () => {
    const lines = await metricsLines(run);
    for (const l of lines) {
      expect(l.auxLoss).toBeGreaterThan(0);
      expect(l.loss).toBeCloseTo(l.taskLoss + l.auxLoss, 5);
    }
    const last = lines[lines.length - 1] as EpochRecord;
    expect(summary.finalTrainTaskLoss).toBe(last.taskLoss);
    expect(summary.finalTrainAuxLoss).toBe(last.auxLoss);
    expect(summary.finalGroupAccuracy).toBeNull();
    const csv = (await readFile(join(run, 'metrics.csv'), 'utf8')).trim().split('\n');
    expect(csv[0]).toBe('epoch,step,loss,taskLoss,auxLoss,learningRate,testLoss,testAccuracy,imagesPerSecond,seconds,time');
    expect(csv[1]?.split(',').slice(0, 5).map(Number)).toEqual([
      1,
      2,
      last.epoch === 1 ? last.loss : lines[0]?.loss,
      lines[0]?.taskLoss,
      lines[0]?.auxLoss,
    ]);
    const svg = await readFile(join(run, 'loss.svg'), 'utf8');
    expect(svg).toContain('>train task loss<');
    expect(svg).toContain('>test loss<');
    expect(svg).toContain('>train aux loss<');
    expect((svg.match(/<circle /g) ?? []).length).toBe(9);
  });

  it('keeps checkpoints/best.ckpt for the epoch with the best test accuracy; ait eval --best picks it', async () => {
    const records = await readRecords(join(run, 'metrics.jsonl'));
    const bestAcc = Math.max(...records.map((r) => r.testAccuracy as number));
    const bestEpoch = records.find((r) => r.testAccuracy === bestAcc)?.epoch;
    expect(summary.bestEpoch).toBe(bestEpoch);
    expect(summary.bestCheckpoint).toBe(join(run, 'checkpoints', 'best.ckpt'));
    expect((await bestPosition(run))?.epoch).toBe(bestEpoch);
    // best.ckpt is not one of the three newest the run keeps, nor taken for the newest
    expect((await readdir(join(run, 'checkpoints'))).filter((f) => f.startsWith('ckpt-'))).toHaveLength(3);
    const newest = JSON.parse((await cli('eval', run, '--json')).out) as EvalJson;
    expect(newest.checkpoint).toBe(summary.lastCheckpoint);
    const r = await cli('eval', run, '--best', '--json');
    expect(r.code, r.err).toBe(0);
    const e = JSON.parse(r.out) as EvalJson;
    expect(e.checkpoint).toBe(summary.bestCheckpoint);
    expect(e.position.epoch).toBe(bestEpoch);
    expect(e.groups).toEqual([]);
    const onFile = await cli('eval', summary.bestCheckpoint as string, '--best');
    expect(onFile.code).toBe(2);
    expect(onFile.err).toMatch(/--best picks the best checkpoint of a run directory/);
    const byPath = await cli('eval', summary.bestCheckpoint as string, '--json');
    expect(byPath.code, byPath.err).toBe(0);
  });

  it('records --weight-decay, which may change on --resume; resuming keeps the best record', async () => {
    const runJson = JSON.parse(await readFile(join(run, 'run.json'), 'utf8')) as RunConfig;
    expect(runJson.recipe.weightDecay).toBe(0.02);
    expect(runJson.recipeName).toBe('preset');
    const before = await bestPosition(run);
    const r = await cli('train', '--resume', run, '--epochs', '5', '--weight-decay', '0.03', '--json');
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out) as TrainSummary;
    const after = JSON.parse(await readFile(join(run, 'run.json'), 'utf8')) as RunConfig;
    expect(after.changes?.[0]?.changes).toEqual({ epochs: { from: 3, to: 5 }, weightDecay: { from: 0.02, to: 0.03 } });
    const records = await readRecords(join(run, 'metrics.jsonl'));
    const bestAcc = Math.max(...records.map((x) => x.testAccuracy as number));
    const bestEpoch = records.find((x) => x.testAccuracy === bestAcc)?.epoch as number;
    expect(s.bestEpoch).toBe(bestEpoch);
    // best.ckpt is replaced only by an epoch that beats the best from before the resume
    expect((await bestPosition(run))?.epoch).toBe(bestEpoch);
    if (bestEpoch <= 3) expect(await bestPosition(run)).toEqual(before);
  });

  it('sets aside a best.ckpt from epochs that a resume from an earlier checkpoint abandons', async () => {
    const other = join(dir(), 'abandon');
    const first = await cli('train', '--config', config, '--out', other, '--json');
    expect(first.code, first.err).toBe(0);
    const bestEpoch = (JSON.parse(first.out) as TrainSummary).bestEpoch as number;
    const ckpts = (await readdir(join(other, 'checkpoints'))).filter((f) => f.startsWith('ckpt-')).sort();
    const r = await cli('train', '--resume', join(other, 'checkpoints', ckpts[0] as string), '--json');
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out) as TrainSummary;
    const moved = s.warnings.some((w) => /best\.ckpt to .*set-aside-.*: it holds epoch \d/.test(w));
    expect(moved).toBe(bestEpoch > 1);
    const now = await bestPosition(other);
    if (now !== undefined) expect(now.epoch).toBe(s.bestEpoch);
  });

  it('augments with --augment crop,flip --crop-padding, reproducibly for a seed, and refuses augmentations that change labels', async () => {
    const losses = async (name: string, ...flags: string[]): Promise<number[]> => {
      const r = await cli('train', '--config', config, '--epochs', '1', '--out', join(dir(), name), ...flags);
      expect(r.code, r.err).toBe(0);
      return (await metricsLines(join(dir(), name))).map((l) => l.loss);
    };
    const a = await losses('aug-a', '--augment', 'crop,flip', '--crop-padding', '2');
    const b = await losses('aug-b', '--augment', 'crop,flip', '--crop-padding', '2');
    const plain = await losses('aug-none');
    expect(a).toEqual(b);
    expect(a).not.toEqual(plain);
    const saved = JSON.parse(await readFile(join(dir(), 'aug-a', 'run.json'), 'utf8')) as RunConfig;
    expect(saved.recipe.augment).toEqual({ cropPadding: 2, horizontalFlip: true });
    const fromFile = await configIn('augment-config', { epochs: 1, augment: ['crop'] });
    const f = await cli('train', '--config', fromFile, '--out', join(dir(), 'aug-file'));
    expect(f.code, f.err).toBe(0);
    expect(f.err).toMatch(/augment crop 4;/);

    const flipClevr = await cli('train', '--dataset', 'sort-of-clevr', '--augment', 'flip', '--out', join(dir(), 'x1'));
    expect(flipClevr.code).toBe(2);
    expect(flipClevr.err).toMatch(/horizontal flip changes sort-of-clevr labels: a mirror swaps left and right/);
    const cropClevr = await cli('train', '--dataset', 'sort-of-clevr', '--augment', 'crop', '--out', join(dir(), 'x2'));
    expect(cropClevr.code).toBe(2);
    expect(cropClevr.err).toMatch(/random crop changes sort-of-clevr labels/);
    const flipMnist = await cli('train', '--dataset', 'mnist', '--augment', 'flip', '--out', join(dir(), 'x3'));
    expect(flipMnist.err).toMatch(/mirrored digit/);
    const bad = await cli('train', '--augment', 'rotate', '--out', join(dir(), 'x4'));
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--augment "rotate": expected a comma-separated list of crop and flip, or none/);
    const lonePadding = await cli('train', '--crop-padding', '2', '--out', join(dir(), 'x5'));
    expect(lonePadding.code).toBe(2);
    expect(lonePadding.err).toMatch(/--crop-padding 2 needs crop in --augment/);
    const resumeOther = await cli('train', '--resume', join(dir(), 'aug-a'), '--augment', 'flip');
    expect(resumeOther.code).toBe(2);
    expect(resumeOther.err).toMatch(/--augment is "flip" \(the run has "crop 2, flip"\)/);
  });

  it('--recipe paper takes the AiT paper set-up, which flags override; the preset recipe stays the default', async () => {
    const r = await cli(
      'train',
      '--config',
      config,
      '--recipe',
      'paper',
      '--epochs',
      '1',
      '--batch-size',
      '16',
      '--out',
      join(dir(), 'paper'),
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as TrainSummary).recipe).toBe('paper');
    const saved = JSON.parse(await readFile(join(dir(), 'paper', 'run.json'), 'utf8')) as RunConfig;
    expect(saved.recipeName).toBe('paper');
    expect(saved.recipe).toEqual({
      epochs: 1,
      batchSize: 16,
      lr: 1e-4,
      weightDecay: 0.01,
      warmupEpochs: 5,
      warmupStartLr: 1e-5,
      labelSmoothing: 0,
      clipNorm: 0,
      augment: { cropPadding: 0, horizontalFlip: false },
    });
    expect(paperRecipe('sort-of-clevr').batchSize).toBe(64);
    expect(paperRecipe('triangle').batchSize).toBe(512);
    expect(paperRecipe('cifar10').augment).toEqual({ cropPadding: 4, horizontalFlip: true });
    expect(paperRecipe('cifar100').epochs).toBe(100);
    const preset = findPreset('ait-tiny');
    expect(namedRecipe('preset', preset, 'cifar10').lr).toBe(1e-3);
    const other = await cli('train', '--resume', join(dir(), 'paper'), '--recipe', 'preset');
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/--recipe is "preset" \(the run has "paper"\)/);
  });

  it('resumes a run written before recipes, augmentation and best checkpoints, and reads its metrics', async () => {
    const old = join(dir(), 'old');
    const first = await cli('train', '--config', config, '--epochs', '1', '--out', old);
    expect(first.code, first.err).toBe(0);
    const runJson = JSON.parse(await readFile(join(old, 'run.json'), 'utf8')) as Record<string, unknown> & {
      recipe: Record<string, unknown>;
    };
    delete runJson.recipeName;
    delete runJson.recipe.augment;
    delete runJson.recipe.warmupStartLr;
    await writeFile(join(old, 'run.json'), JSON.stringify(runJson));
    const lines = await metricsLines(old);
    const { testGroupAccuracy: _, ...oldLine } = lines[0] as EpochRecord;
    await writeFile(join(old, 'metrics.jsonl'), `${JSON.stringify(oldLine)}\n`);
    expect(metricsCsv(await readRecords(join(old, 'metrics.jsonl')))).toMatch(/^epoch,step,loss,taskLoss,auxLoss/);
    const r = await cli('train', '--resume', old, '--epochs', '2', '--json');
    expect(r.code, r.err).toBe(0);
    expect((JSON.parse(r.out) as TrainSummary).recipe).toBe('preset');
    expect((await readRecords(join(old, 'metrics.jsonl'))).map((x) => x.epoch)).toEqual([1, 2]);
  });
});
