import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@ait/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo, runCli } from '../src/index';
import { reproCommand } from '../src/commands/repro';
import {
  AIT_ABLATIONS,
  reproPlan,
  reproRunPath,
  reproRuns,
  type ReproDatasetPlan,
  type ReproModel,
  type ReproRun,
} from '../src/repro/repro-plan';
import { estimateRuns, formatDuration } from '../src/repro/repro-estimate';
import { parseResultsCsv, resultsCsv, resultsMarkdown, spread, type ReproResult } from '../src/repro/repro-results';
import { REPRO_FILES, reproRunStates, runReproSuite } from '../src/repro/repro-runner';
import { parametersFor, reproDatasetInfo, resolveMatchedWidths } from '../src/repro/resolve-runs';
import { matchWidth } from '../src/repro/width-match';
import { findPreset } from '../src/util/model-for-data';
import { cli, removeDir, tempDir, TINY_AIT } from './helpers';

const row = (over: Partial<ReproResult>): ReproResult => ({
  dataset: 'triangle',
  model: 'ait-conv',
  preset: 'ait-tiny-conv',
  parameters: 1000,
  seed: 0,
  epochs: 2,
  seconds: 60,
  testAccuracy: 0.9,
  bestAccuracy: 0.9,
  typeAccuracy: {},
  status: 'completed',
  ...over,
});

describe('results of the suite', () => {
  it('spread: mean, sample standard deviation and range', () => {
    const s = spread([0.9, 0.92, 0.94]);
    expect(s?.mean).toBeCloseTo(0.92, 12);
    // deviations -0.02, 0, 0.02: sum of squares 8e-4 over n - 1 = 2
    expect(s?.sd).toBeCloseTo(Math.sqrt(4e-4), 12);
    expect([s?.min, s?.max]).toEqual([0.9, 0.94]);
    expect(spread([0.5])?.sd).toBe(0);
    expect(spread([])).toBeUndefined();
  });

  it('CSV: a row a run, per-type columns, quoting where needed', () => {
    const csv = resultsCsv([
      row({ seed: 0, typeAccuracy: { 'question type/relational': 0.5, 'question type/non-relational': 1 } }),
      row({ model: 'a,b', seed: 1, testAccuracy: null, status: 'failed' }),
    ]);
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe(
      'dataset,model,preset,parameters,seed,epochs,wall_seconds,test_accuracy,best_accuracy,status,question type/relational,question type/non-relational',
    );
    expect(lines[1]).toBe('triangle,ait-conv,ait-tiny-conv,1000,0,2,60.0,0.9,0.9,completed,0.5,1');
    expect(lines[2]).toBe('triangle,"a,b",ait-tiny-conv,1000,1,2,60.0,,0.9,failed,,');
  });

  it('CSV read back: the same results, quoted fields and empty cells included; bad files named', () => {
    const results = [
      row({ seed: 0, typeAccuracy: { 'question type/relational': 0.5, 'question type/non-relational': 1 } }),
      row({ model: 'a,b', seed: 1, parameters: null, testAccuracy: null, status: 'failed', seconds: 61.5 }),
    ];
    expect(parseResultsCsv(resultsCsv(results), 'r.csv')).toEqual(results);
    expect(parseResultsCsv('', 'r.csv')).toEqual([]);
    expect(() => parseResultsCsv('dataset,model\ntriangle,vit\n', 'r.csv')).toThrow(
      /r\.csv lacks the column\(s\) preset, parameters, seed, .*not a results CSV of ait repro/,
    );
    const bad = resultsCsv([row({})]).replace(',60.0,', ',sixty,');
    expect(() => parseResultsCsv(bad, 'r.csv')).toThrow('r.csv, row 2: wall_seconds "sixty" is not a number.');
    expect(() => parseResultsCsv('a,b\n"1,2\n', 'r.csv')).toThrow(/r\.csv is not a results CSV of ait repro: /);
  });

  it('estimate: the median time of the same model and data set, else of the same preset; other epoch counts unused', () => {
    const [a, b] = reproRuns(reproPlan('full', { datasets: ['triangle'], models: ['ait-conv', 'ait-conv/noMemory'], maxSeeds: 1 }));
    if (a === undefined || b === undefined) throw new Error('the plan has no runs');
    const timings = [
      row({ seconds: 300, epochs: 8 }),
      row({ seconds: 420, epochs: 8, seed: 1 }),
      row({ seconds: 400, epochs: 8, seed: 2 }),
      row({ seconds: 5, epochs: 1, seed: 3 }), // another size of the suite
      row({ seconds: 900, epochs: 8, status: 'failed' }),
      row({ dataset: 'mnist', seconds: 1000, epochs: 8 }),
    ];
    expect(estimateRuns([a, b], timings)).toEqual([
      { seconds: 400, basis: 'model' },
      { seconds: 400, basis: 'preset' },
    ]);
    expect(estimateRuns([a], [row({ seconds: 100, epochs: 8 }), row({ seconds: 200, epochs: 8 })])).toEqual([
      { seconds: 150, basis: 'model' },
    ]);
    expect(estimateRuns([a], [row({ model: 'vit', preset: 'vit-tiny', epochs: 8 })])).toEqual([{ seconds: null }]);
    expect([formatDuration(42 * 60), formatDuration(3 * 3600 + 5 * 60), formatDuration(29)]).toEqual(['42 min', '3 h 05 min', '0 min']);
  });

  it('markdown: mean ± sd over completed runs only, runs counted, per-type table', () => {
    const md = resultsMarkdown([
      row({ seed: 0, testAccuracy: 0.9, typeAccuracy: { 'question type/relational': 0.6 } }),
      row({ seed: 1, testAccuracy: 0.94, typeAccuracy: { 'question type/relational': 0.8 } }),
      row({ seed: 2, testAccuracy: null, status: 'pending' }),
      row({ model: 'vit', preset: 'vit-tiny', parameters: 990, testAccuracy: 0.8, seconds: 120 }),
      row({ model: 'planned', parameters: null, testAccuracy: null, status: 'pending' }),
    ]);
    expect(md).toContain('| ait-conv | ait-tiny-conv | 1,000 | 2 of 3 | 92.00 ± 2.83 | 90.00 – 94.00 | 1.0 |');
    expect(md).toContain('| vit | vit-tiny | 990 | 1 of 1 | 80.00 | 80.00 – 80.00 | 2.0 |');
    expect(md).toContain('| planned | ait-tiny-conv | - | 0 of 1 | - | - | - |');
    expect(md).toContain('Accuracy % by question type');
    // a model without a completed run has a row in the main table and no column in the per-type one
    expect(md).toContain('| question type | ait-conv | vit |\n');
    expect(md).toContain('| relational | 70.00 ± 14.14 | - |');
  });

  it('markdown: per-type tables have a row a type and at most four models a table', () => {
    const models = ['m1', 'm2', 'm3', 'm4', 'm5'];
    const md = resultsMarkdown(
      models.map((model, i) => row({ model, typeAccuracy: { 'question/a': 0.5 + i / 10, 'question/b': 0.4, 'question type/x': 1 } })),
    );
    expect(md).toContain(
      '| question | m1 | m2 | m3 | m4 |\n|---|---:|---:|---:|---:|\n| a | 50.00 | 60.00 | 70.00 | 80.00 |\n| b | 40.00 | 40.00 | 40.00 | 40.00 |',
    );
    expect(md).toContain('| question | m5 |\n|---|---:|\n| a | 90.00 |\n| b | 40.00 |');
    expect(md).toContain('| question type | m1 | m2 | m3 | m4 |');
    expect(md.match(/^\| question type \|/gm)).toHaveLength(2);
  });
});

describe('width matching', () => {
  it('finds the multiple whose affine count is closest to the target', async () => {
    const count = (w: number): Promise<number> => Promise.resolve(5000 + 130 * w);
    // 5000 + 130 w = 21000 at w = 123.08: multiples of 8 around it are 120 (20600) and 128 (21640)
    await expect(matchWidth(21_000, { key: 'mlpDim', multiple: 8 }, count)).resolves.toEqual({ value: 120, parameters: 20_600 });
    await expect(matchWidth(21_500, { key: 'mlpDim', multiple: 8 }, count)).resolves.toEqual({ value: 128, parameters: 21_640 });
    // below the smallest width: one multiple
    await expect(matchWidth(10, { key: 'mlpDim', multiple: 8 }, count)).resolves.toEqual({ value: 8, parameters: 6040 });
  });

  it('refuses a width that does not change the count', async () => {
    await expect(matchWidth(100, { key: 'nothing', multiple: 8 }, () => Promise.resolve(50))).rejects.toThrow(/does not grow with nothing/);
  });
});

describe('the plan', () => {
  it('full: three seeds per model, two per ablation, every ablation of the paper on Triangle and Sort-of-CLEVR', () => {
    const plans = reproPlan('full');
    expect(plans.map((p) => p.dataset)).toEqual(['triangle', 'sort-of-clevr', 'mnist', 'fashion-mnist']);
    for (const p of plans.slice(0, 2)) {
      for (const a of AIT_ABLATIONS) expect(p.models.find((m) => m.label === `ait-conv/${a}`)?.seeds).toEqual([0, 1]);
      expect(p.models.find((m) => m.label === 'ait-conv')?.seeds).toEqual([0, 1, 2]);
    }
    const runs = reproRuns(plans);
    expect(new Set(runs.map(reproRunPath)).size).toBe(runs.length);
    // Sort-of-CLEVR: AiT and ViT read the question through the flatten head; Coordination takes no question
    const clevr = plans[1]?.models ?? [];
    expect(clevr.map((m) => m.label).filter((l) => !l.includes('/'))).toEqual(['ait-conv', 'ait-patch', 'vit', 'vit-conv']);
    expect(clevr.find((m) => m.label === 'ait-conv')?.modelConfig).toEqual({ head: 'flatten' });
    expect(clevr.find((m) => m.label === 'ait-patch')?.modelConfig).toMatchObject({ head: 'flatten' });
    expect(clevr.find((m) => m.label === 'vit')?.modelConfig).toMatchObject({ head: 'flatten' });
    // AiT with patches sees them as ViT does on every data set: the same patch size, positions and
    // head (without positions a mean head saw a bag of patches), so only the feed-forward layer differs
    const seen = (m: ReproModel | undefined): unknown[] => {
      const c = { ...findPreset(m?.preset ?? '').defaults, ...m?.modelConfig };
      return [c['patchSize'], c['positionEmbedding'], c['head']];
    };
    for (const p of plans) {
      const patch = seen(p.models.find((m) => m.label === 'ait-patch'));
      expect(patch[1], p.dataset).not.toBe('none');
      expect(patch, p.dataset).toEqual(seen(p.models.find((m) => m.label === 'vit')));
    }
    // ViT with AiT's tokenizer takes AiT's overrides on every data set (MNIST: 1 x 1 patches of the stem's maps)
    for (const p of plans) {
      const conv = p.models.find((m) => m.label === 'ait-conv');
      expect(p.models.find((m) => m.label === 'vit-conv')).toMatchObject({ preset: 'vit-tiny-conv', modelConfig: conv?.modelConfig });
    }
  });

  it('selection by data set, model (with its ablations) and seeds; unknown names are refused', () => {
    const plans = reproPlan('full', { datasets: ['triangle'], models: ['ait-conv', 'ait-conv/*'], maxSeeds: 1 });
    expect(plans[0]?.models.map((m) => m.label)).toEqual(['ait-conv', ...AIT_ABLATIONS.map((a) => `ait-conv/${a}`)]);
    expect(reproPlan('full', { models: ['vit', 'ait-conv/noMemory'] })[0]?.models.map((m) => m.label)).toEqual([
      'vit',
      'ait-conv/noMemory',
    ]);
    expect(reproRuns(plans).every((r) => r.seed === 0)).toBe(true);
    expect(() => reproPlan('quick', { datasets: ['cifar10'] })).toThrow(/Unknown data set "cifar10".*triangle/);
    expect(() => reproPlan('quick', { models: ['resnet'] })).toThrow(/Unknown model "resnet"/);
    expect(() => reproPlan('quick', { models: ['vit/*'] })).toThrow(/Unknown model "vit\/\*"/);
  });

  it('every model of the plan builds on its data set, and matched widths come within 5 % of the reference', async () => {
    await initBackend({ backend: 'cpu' });
    // Fashion-MNIST has MNIST's shapes; it is left out so that the test needs no Debian data package
    const plans = reproPlan('quick', { datasets: ['triangle', 'sort-of-clevr', 'mnist'] });
    const resolved = await resolveMatchedWidths(plans, reproRuns(plans));
    const seen = new Set<string>();
    for (const run of resolved) {
      if (seen.has(`${run.dataset}/${run.label}`)) continue;
      seen.add(`${run.dataset}/${run.label}`);
      const n = parametersFor(run.preset, run.modelConfig, await reproDatasetInfo(run.dataset));
      if (run.matchedTo !== undefined) {
        expect(Math.abs(n - run.matchedTo) / run.matchedTo, `${run.dataset} ${run.label}: ${n} vs ${run.matchedTo}`).toBeLessThan(0.05);
      }
    }
    expect(seen.size).toBe(24);
    expect(resolved.filter((r) => r.matchedTo !== undefined).map((r) => `${r.dataset}/${r.label}`)).toEqual([
      'triangle/vit',
      'triangle/vit-conv',
      'triangle/coordination',
      'sort-of-clevr/vit',
      'sort-of-clevr/vit-conv',
      'mnist/vit',
      'mnist/vit-conv',
      'mnist/coordination',
    ]);
  }, 120_000);

  it('matches a selected model to the reference model the selection leaves out, as the whole suite does', async () => {
    await initBackend({ backend: 'cpu' });
    const whole = reproPlan('quick', { datasets: ['triangle'] });
    const vitOnly = reproPlan('quick', { datasets: ['triangle'], models: ['vit'] });
    expect(vitOnly[0]?.models.map((m) => m.label)).toEqual(['vit']);
    const [alone] = await resolveMatchedWidths(vitOnly, reproRuns(vitOnly));
    const inWhole = (await resolveMatchedWidths(whole, reproRuns(whole))).find((r) => r.label === 'vit');
    expect(alone?.matchedTo).toBeGreaterThan(0);
    expect(alone?.matchedTo).toBe(inWhole?.matchedTo);
    expect(alone?.modelConfig).toEqual(inWhole?.modelConfig);
  }, 60_000);
});

describe('running the suite (tiny plan, in-process ait train on the cpu backend)', () => {
  let dir: string;
  const tinyPlan: ReproDatasetPlan[] = [
    {
      dataset: 'triangle',
      trainSize: 32,
      testSize: 16,
      epochs: 1,
      batchSize: 16,
      reference: 'ait',
      models: [
        { label: 'ait', preset: 'ait-tiny', modelConfig: TINY_AIT, seeds: [0, 1] },
        {
          label: 'vit',
          preset: 'vit-tiny',
          modelConfig: { patchSize: 16, dim: 32, numHeads: 2, headDim: 16, depth: 1 },
          matchWidth: { key: 'mlpDim', multiple: 8 },
          seeds: [0],
        },
      ],
    },
  ];
  const launched: string[][] = [];
  const logs: string[] = [];
  const inProcess = async (args: readonly string[]): Promise<number> => {
    launched.push([...args]);
    const io = captureIo();
    const code = await runCli(['train', ...args], io);
    if (code !== 0) throw new Error(`ait train ${args.join(' ')} failed: ${io.err.join('')}`);
    return code;
  };
  const suite = (launch = inProcess) =>
    runReproSuite({
      out: dir,
      size: 'quick',
      plans: tinyPlan,
      resolve: (missing) => resolveMatchedWidths(tinyPlan, missing),
      launch,
      trainArgs: ['--backend', 'cpu'],
      log: (line) => void logs.push(line),
    });
  beforeAll(async () => {
    dir = await tempDir('ait-repro-');
    await initBackend({ backend: 'cpu' });
  });
  afterAll(async () => removeDir(dir));

  it('trains every run, writes results.csv and results.md, and records the matched width', async () => {
    const outcome = await suite();
    expect(outcome.status).toBe('completed');
    expect(
      outcome.results.map((r) => [r.model, r.seed, r.status]),
      logs.join('\n'),
    ).toEqual([
      ['ait', 0, 'completed'],
      ['vit', 0, 'completed'],
      ['ait', 1, 'completed'],
    ]);
    const ait = outcome.results[0] as ReproResult;
    const vit = outcome.results[1] as ReproResult;
    expect(Math.abs((vit.parameters as number) - (ait.parameters as number)) / (ait.parameters as number)).toBeLessThan(0.05);
    const csv = await readFile(join(dir, REPRO_FILES.csv), 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(4);
    expect(await readFile(join(dir, REPRO_FILES.markdown), 'utf8')).toContain('| ait | ait-tiny |');
    const plan = JSON.parse(await readFile(join(dir, REPRO_FILES.plan), 'utf8')) as {
      runs: { label: string; modelConfig: { mlpDim?: number } }[];
    };
    expect(plan.runs.find((r) => r.label === 'vit')?.modelConfig.mlpDim).toBeGreaterThan(0);
    const config = JSON.parse(await readFile(join(dir, 'configs/triangle/ait/seed-1.json'), 'utf8')) as { seed: number; model: string };
    expect(config).toMatchObject({ seed: 1, model: 'ait-tiny' });
  }, 120_000);

  it('run again: completed runs are not trained again', async () => {
    launched.length = 0;
    const outcome = await suite();
    expect(launched).toEqual([]);
    expect(outcome.results.every((r) => r.status === 'completed')).toBe(true);
    // --dry-run's view of the same folder without its results.csv (moved out, as the corrupt-CSV
    // error advises): every run completed from its folder, timed by its attempts (the estimate's input)
    const csv = join(dir, REPRO_FILES.csv);
    await rename(csv, `${csv}.moved`);
    try {
      const { states, completed } = await reproRunStates(dir, reproRuns(tinyPlan));
      expect(states).toEqual(['completed', 'completed', 'completed']);
      expect(completed.map((r) => r.seconds > 0)).toEqual([true, true, true]);
    } finally {
      await rename(`${csv}.moved`, csv);
    }
  });

  it('run again with a narrower selection: the earlier runs stay in the results', async () => {
    const aitOnly = [{ ...(tinyPlan[0] as ReproDatasetPlan), models: (tinyPlan[0] as ReproDatasetPlan).models.slice(0, 1) }];
    launched.length = 0;
    const outcome = await runReproSuite({
      out: dir,
      size: 'quick',
      plans: aitOnly,
      resolve: () => Promise.reject(new Error('nothing to resolve')),
      launch: inProcess,
      log: () => undefined,
    });
    expect(launched).toEqual([]);
    expect(outcome.results.map((r) => r.model)).toEqual(['ait', 'vit', 'ait']);
    expect((await readFile(join(dir, REPRO_FILES.csv), 'utf8')).trim().split('\n')).toHaveLength(4);
  });

  it('an interrupted run continues with --resume, a failing one is reported and retried next time', async () => {
    // seed 1 of ait loses its summary (as if killed before the end): the suite resumes its folder
    const runDir = join(dir, reproRunPath({ dataset: 'triangle', label: 'ait', seed: 1 }));
    await writeFile(join(runDir, 'summary.json'), JSON.stringify({ status: 'stopped', epochs: 0 }));
    const failing = async (args: readonly string[]): Promise<number> => {
      launched.push([...args]);
      return 1;
    };
    launched.length = 0;
    const failed = await suite(failing);
    expect(launched).toEqual([['--resume', runDir, '--quiet', '--backend', 'cpu']]);
    expect(failed.failed).toBe(1);
    expect(failed.results.find((r) => r.seed === 1)?.status).toBe('failed');
    launched.length = 0;
    const retried = await suite();
    expect(launched).toEqual([['--resume', runDir, '--quiet', '--backend', 'cpu']]);
    expect(retried.results.every((r) => r.status === 'completed')).toBe(true);
    // the wall time adds the attempts up: five ended, each with an opening and a closing line
    const attempts = (await readFile(join(dir, REPRO_FILES.attempts), 'utf8')).trim().split('\n');
    expect(attempts.filter((l) => l.includes('"seconds"'))).toHaveLength(5);
    expect(attempts).toHaveLength(10);
  }, 120_000);

  it('a run killed before its first checkpoint starts anew (its run.json alone cannot be resumed)', async () => {
    const run = { dataset: 'triangle', label: 'ait', seed: 1 };
    const runDir = join(dir, reproRunPath(run));
    await rm(join(runDir, 'summary.json'));
    await rm(join(runDir, 'checkpoints'), { recursive: true });
    await mkdir(join(runDir, 'checkpoints'));
    const { states } = await reproRunStates(dir, reproRuns(tinyPlan));
    expect(states).toEqual(['completed', 'completed', 'to train']);
    launched.length = 0;
    const outcome = await suite();
    expect(launched).toEqual([['--config', join(dir, 'configs/triangle/ait/seed-1.json'), '--out', runDir, '--quiet', '--backend', 'cpu']]);
    expect(outcome.results.every((r) => r.status === 'completed')).toBe(true);
  }, 120_000);

  it('a run whose lock a live process holds is "training now" and skipped by a second suite; a stale lock does not count', async () => {
    const runDir = join(dir, reproRunPath({ dataset: 'triangle', label: 'ait', seed: 1 }));
    const summaryPath = join(runDir, 'summary.json');
    const summary = await readFile(summaryPath, 'utf8');
    await rm(summaryPath);
    const lockPath = join(runDir, 'train.lock');
    const lock = (pid: number, host = hostname()) =>
      writeFile(lockPath, JSON.stringify({ pid, host, started: '2026-12-07T12:00:00.000Z' }));
    const states = async () => (await reproRunStates(dir, reproRuns(tinyPlan))).states;
    try {
      await lock(process.pid); // this test's process: it runs
      expect(await states()).toEqual(['completed', 'completed', 'training now']);
      launched.length = 0;
      logs.length = 0;
      const outcome = await suite();
      expect(launched).toEqual([]);
      expect(outcome.failed).toBe(0);
      expect(logs).toContainEqual(
        expect.stringMatching(new RegExp(`ait seed 1: skipped: process ${process.pid} \\(since .+\\) is training it`)),
      );
      await lock(process.pid, 'another-host'); // cannot be checked from here: counts as held
      expect(await states()).toEqual(['completed', 'completed', 'training now']);
      await lock(2 ** 31 - 2); // no such process: the lock of a killed ait train
      expect(await states()).toEqual(['completed', 'completed', 'continues']);
    } finally {
      await rm(lockPath, { force: true });
      await writeFile(summaryPath, summary);
    }
  });

  it('a copy of the results without run folders continues with the runs it lacks', async () => {
    const copy = join(dir, 'copy');
    await mkdir(copy, { recursive: true });
    const csv = await readFile(join(dir, REPRO_FILES.csv), 'utf8');
    await writeFile(join(copy, REPRO_FILES.plan), await readFile(join(dir, REPRO_FILES.plan), 'utf8'));
    // ait seed 1 left out of the copy: it is the one run to train
    await writeFile(
      join(copy, REPRO_FILES.csv),
      csv
        .split('\n')
        .filter((l) => !l.startsWith('triangle,ait,ait-tiny,') || !/^([^,]*,){4}1,/.test(l))
        .join('\n'),
    );
    const runs = reproRuns(tinyPlan);
    const before = await reproRunStates(copy, runs);
    expect(before.states).toEqual(['completed', 'completed', 'to train']);
    expect(before.completed.map((r) => [r.model, r.seed])).toEqual([
      ['ait', 0],
      ['vit', 0],
    ]);
    const launches: string[][] = [];
    const outcome = await runReproSuite({
      out: copy,
      size: 'quick',
      plans: tinyPlan,
      resolve: () => Promise.reject(new Error('nothing to resolve')),
      launch: (args) => (launches.push([...args]), Promise.resolve(1)),
      log: () => undefined,
    });
    expect(launches.map((a) => a.slice(0, 4))).toEqual([
      [
        '--config',
        join(copy, 'configs/triangle/ait/seed-1.json'),
        '--out',
        join(copy, reproRunPath({ dataset: 'triangle', label: 'ait', seed: 1 })),
      ],
    ]);
    // the carried rows stay as they were in the rewritten results
    const original = parseResultsCsv(csv, 'original');
    expect(outcome.results.slice(0, 2)).toEqual(original.slice(0, 2));
    expect(outcome.results[2]?.status).toBe('failed');
    expect(parseResultsCsv(await readFile(join(copy, REPRO_FILES.csv), 'utf8'), 'copy').slice(0, 2)).toEqual(original.slice(0, 2));
    // a corrupt results.csv is refused with the fix
    await writeFile(join(copy, REPRO_FILES.csv), 'dataset,model\ntriangle,ait\n');
    await expect(reproRunStates(copy, runs)).rejects.toThrow(
      /lacks the column\(s\) preset.*\nMove it out of .*copy: the suite writes it anew/s,
    );
  });

  it('a plan.json of another size is refused with the fix', async () => {
    const other = join(dir, 'other');
    await mkdir(other, { recursive: true });
    await writeFile(join(other, REPRO_FILES.plan), JSON.stringify({ size: 'full', runs: [] }));
    await expect(
      runReproSuite({
        out: other,
        size: 'quick',
        plans: tinyPlan,
        resolve: () => Promise.resolve([]),
        launch: inProcess,
        log: () => undefined,
      }),
    ).rejects.toThrow(/holds a full suite, not a quick one: choose another --out/);
    expect(existsSync(join(other, REPRO_FILES.csv))).toBe(false);
  });

  it('a run the plan now defines differently is refused while its folder holds training, and planned anew once it is moved', async () => {
    const out = join(dir, 'changed');
    const withSeeds = (seeds: number[]): ReproDatasetPlan[] => [
      { ...(tinyPlan[0] as ReproDatasetPlan), models: [{ label: 'ait', preset: 'ait-tiny', modelConfig: TINY_AIT, seeds }] },
    ];
    // seed 0 is selected; seed 1, outside the selection, is changed too
    const only = withSeeds([0]);
    const whole = withSeeds([0, 1]);
    const [planned, unselected] = reproRuns(whole);
    if (planned === undefined || unselected === undefined) throw new Error('the plan has no runs');
    const old = (r: ReproRun): ReproRun => ({ ...r, epochs: 3, modelConfig: { ...r.modelConfig, depth: 2 } });
    await mkdir(join(out, reproRunPath(planned)), { recursive: true });
    await writeFile(join(out, REPRO_FILES.plan), JSON.stringify({ size: 'quick', runs: [old(planned), old(unselected)] }));
    const oldAttempt = JSON.stringify({ run: reproRunPath(planned), seconds: 99, code: 0 });
    const otherAttempt = JSON.stringify({ run: 'runs/triangle/vit/seed-0', seconds: 7, code: 0 });
    await writeFile(join(out, REPRO_FILES.attempts), `${oldAttempt}\n${otherAttempt}\n`);
    // their completed rows in results.csv are the old plan's: they must not count as this plan's
    const oldRow = (seed: number): ReproResult => row({ model: 'ait', preset: 'ait-tiny', epochs: 3, seed });
    await writeFile(join(out, REPRO_FILES.csv), resultsCsv([oldRow(0), oldRow(1)]));
    // --dry-run says so too, and counts neither old row as this plan's result
    await expect(reproRunStates(out, [planned], reproRuns(whole))).resolves.toEqual({ states: ['plan changed'], completed: [] });
    const launches: string[][] = [];
    const run = () =>
      runReproSuite({
        out,
        size: 'quick',
        plans: only,
        wholePlans: whole,
        resolve: (missing) => Promise.resolve([...missing]),
        launch: (args) => (launches.push([...args]), Promise.resolve(1)),
        log: () => undefined,
      });
    await expect(run()).rejects.toThrow(
      /runs\/triangle\/ait\/seed-0: epochs 3 -> 1; modelConfig\.depth 2 -> 1\n.*Move those folders out of .*changed \(to keep the old results\)/s,
    );
    expect(launches).toHaveLength(0);
    // the folder moved away: the run is planned anew and its old attempts no longer count
    await removeDir(join(out, 'runs'));
    await expect(reproRunStates(out, [planned], reproRuns(whole))).resolves.toEqual({ states: ['to train'], completed: [] });
    await run();
    expect(launches).toHaveLength(1);
    // the unselected run's old row is pending in the results until a selection trains it
    const rows = parseResultsCsv(await readFile(join(out, REPRO_FILES.csv), 'utf8'), 'results.csv');
    expect(rows.map((r) => [r.seed, r.status])).toEqual([
      [1, 'pending'],
      [0, 'failed'],
    ]);
    const stored = JSON.parse(await readFile(join(out, REPRO_FILES.plan), 'utf8')) as {
      runs: { epochs: number; modelConfig: Record<string, unknown> }[];
    };
    // the selected run is planned anew; the unselected one keeps its stored settings until selected
    expect(stored.runs.map((r) => r.epochs)).toEqual([3, 1]);
    expect(stored.runs[1]?.modelConfig['depth']).toBe(1);
    const attempts = (await readFile(join(out, REPRO_FILES.attempts), 'utf8')).trim().split('\n');
    expect(attempts).not.toContain(oldAttempt);
    expect(attempts).toContain(otherAttempt);
    expect(attempts).toHaveLength(3); // the other run's, and the new attempt's opening and closing lines
  });

  it('the whole plan is in the results: seeds no selection has taken yet are pending rows, counted in their cell', async () => {
    const out = join(dir, 'selection');
    const withSeeds = (seeds: number[]): ReproDatasetPlan[] => [
      { ...(tinyPlan[0] as ReproDatasetPlan), models: [{ label: 'ait', preset: 'ait-tiny', modelConfig: TINY_AIT, seeds }] },
    ];
    const whole = withSeeds([0, 1, 2]);
    const only = withSeeds([0]);
    const [first] = reproRuns(only);
    if (first === undefined) throw new Error('the plan has no runs');
    // seed 0 "trains" (a summary written by the launcher); seeds 1 and 2 are not selected
    const launch = async (): Promise<number> => {
      await mkdir(join(out, reproRunPath(first)), { recursive: true });
      await writeFile(
        join(out, reproRunPath(first), 'summary.json'),
        JSON.stringify({ status: 'completed', epochs: 1, finalAccuracy: 0.5, parameters: { total: 10 } }),
      );
      return 0;
    };
    const outcome = await runReproSuite({
      out,
      size: 'quick',
      plans: only,
      wholePlans: whole,
      resolve: (m) => Promise.resolve([...m]),
      launch,
      log: () => undefined,
    });
    expect(outcome.results.map((r) => [r.seed, r.status])).toEqual([
      [0, 'completed'],
      [1, 'pending'],
      [2, 'pending'],
    ]);
    const rows = parseResultsCsv(await readFile(join(out, REPRO_FILES.csv), 'utf8'), 'results.csv');
    expect(rows.map((r) => [r.seed, r.status])).toEqual([
      [0, 'completed'],
      [1, 'pending'],
      [2, 'pending'],
    ]);
    expect(await readFile(join(out, REPRO_FILES.markdown), 'utf8')).toMatch(/\| ait \| ait-tiny \| 10 \| 1 of 3 \|/);
    // only the selected run is resolved into plan.json: the others are planned when a selection takes them
    const stored = JSON.parse(await readFile(join(out, REPRO_FILES.plan), 'utf8')) as { runs: { seed: number }[] };
    expect(stored.runs.map((r) => r.seed)).toEqual([0]);
  });
});

describe('ait repro', () => {
  it('--dry-run lists the runs without training', async () => {
    const r = await cli('repro', '--quick', '--dry-run', '--datasets', 'triangle', '--models', 'vit', '--out', '/tmp/ait-repro-dry');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/triangle\s+vit\s+vit-tiny\s+0\s+1\s+512\s+to train\s+-\s+runs\/triangle\/vit\/seed-0/);
    expect(r.out).toContain('1 runs into /tmp/ait-repro-dry');
    expect(existsSync('/tmp/ait-repro-dry')).toBe(false);
  });

  it('--dry-run shows where each run stands and estimates the rest from completed runs and --timings', async () => {
    const out = await tempDir('ait-repro-dry-');
    try {
      const args = ['repro', '--quick', '--dry-run', '--datasets', 'triangle', '--models', 'ait-conv,vit', '--out', out];
      await writeFile(join(out, REPRO_FILES.csv), resultsCsv([row({ epochs: 1, seconds: 120 })]));
      const own = await cli(...args);
      expect(own.code, own.err).toBe(0);
      expect(own.out).toMatch(/triangle\s+ait-conv\s+ait-tiny-conv\s+0\s+1\s+512\s+completed\s+-\s+runs\/triangle\/ait-conv\/seed-0/);
      expect(own.out).toMatch(/triangle\s+vit\s+vit-tiny\s+0\s+1\s+512\s+to train\s+-\s+runs\/triangle\/vit\/seed-0/);
      expect(own.out).toContain('2 runs into');
      expect(own.out).toContain(': 1 completed, 1 to train.');
      expect(own.out).toContain('No completed run to estimate their time from: pass --timings');
      const timings = join(out, 'timings.csv');
      await writeFile(
        timings,
        resultsCsv([
          row({ model: 'vit', preset: 'vit-tiny', epochs: 1, seconds: 600 }),
          row({ model: 'vit', preset: 'vit-tiny', epochs: 1, seconds: 1200, seed: 1 }),
        ]),
      );
      const timed = await cli(...args, '--timings', timings);
      expect(timed.out).toMatch(/vit\s+vit-tiny\s+0\s+1\s+512\s+to train\s+15\s+runs/);
      expect(timed.out).toContain('About 15 min of training for those timed');
      const json = await cli(...args, '--timings', timings, '--json');
      expect(JSON.parse(json.out)).toMatchObject({ toTrain: 1, estimatedSeconds: 900, untimed: 0 });
      // a run another live process trains (this test's own pid holds its lock)
      await mkdir(join(out, 'runs/triangle/vit/seed-0'), { recursive: true });
      const live = { pid: process.pid, host: hostname(), started: '2026-12-07T12:00:00.000Z' };
      await writeFile(join(out, 'runs/triangle/vit/seed-0/train.lock'), JSON.stringify(live));
      const busy = await cli(...args, '--timings', timings);
      expect(busy.out).toMatch(/vit\s+vit-tiny\s+0\s+1\s+512\s+training now\s+15\s+runs/);
      expect(busy.out).toContain(': 1 completed, 1 to train (1 of them training now).');
      const missing = await cli(...args, '--timings', join(out, 'none.csv'));
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/--timings .*none\.csv: cannot read it .*give the path of a results\.csv that ait repro wrote/);
    } finally {
      await removeDir(out);
    }
  });

  it('--dry-run counts no result of a run the plan now defines differently, selected or not', async () => {
    const out = await tempDir('ait-repro-dry-');
    try {
      // ait-conv seed 0 of an older plan (batches of 32), with its row: it would time ait-conv/noMemory
      const [conv] = reproRuns(reproPlan('quick', { datasets: ['triangle'], models: ['ait-conv'] }));
      await writeFile(join(out, REPRO_FILES.plan), JSON.stringify({ size: 'quick', runs: [{ ...conv, batchSize: 32 }] }));
      await writeFile(join(out, REPRO_FILES.csv), resultsCsv([row({ epochs: 1, seconds: 600 })]));
      const args = ['repro', '--quick', '--dry-run', '--datasets', 'triangle', '--out', out];
      const ablation = await cli(...args, '--models', 'ait-conv/noMemory');
      expect(ablation.code, ablation.err).toBe(0);
      expect(ablation.out).toMatch(/ait-conv\/noMemory\s+ait-tiny-conv\s+0\s+1\s+512\s+to train\s+-\s+runs/);
      expect(ablation.out).toContain('No completed run to estimate their time from');
      const selected = await cli(...args, '--models', 'ait-conv');
      expect(selected.out).toMatch(/ait-conv\s+ait-tiny-conv\s+0\s+1\s+512\s+to train\s+-\s+runs/);
    } finally {
      await removeDir(out);
    }
  });

  it('unknown data sets are a usage error naming the choices', async () => {
    const io = captureIo();
    await expect(reproCommand({ datasets: ['imagenet'], dryRun: true }, io)).rejects.toThrow(/Unknown data set "imagenet"/);
    const r = await cli('repro', '--datasets', 'imagenet', '--dry-run');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Unknown data set "imagenet" for the suite; choose from triangle, sort-of-clevr, mnist, fashion-mnist/);
  });
});
