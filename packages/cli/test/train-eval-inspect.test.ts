import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clearDeviceFailures, reportDeviceFailure } from '@ait/core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import type { EpochRecord, TrainSummary } from '../src/index';
import { cli, expectFilesIn, tinyConfigFile } from './helpers';

describe('ait train / eval / inspect end to end (tiny AiT, cpu backend)', () => {
  const dir = useTempDir('ait-cli-');
  let run: string;
  let config: string;
  let summary: TrainSummary;
  let trainErr: string;
  beforeAll(async () => {
    run = join(dir(), 'run');
    config = await tinyConfigFile(dir());
    const r = await cli('train', '--config', config, '--out', run, '--json');
    trainErr = r.err;
    expect(r.code, r.err).toBe(0);
    summary = JSON.parse(r.out) as TrainSummary;
  });

  it('--json summary has the documented fields', () => {
    expect(summary).toMatchObject({
      command: 'train',
      status: 'completed',
      runDir: run,
      model: 'ait-tiny',
      dataset: 'triangle',
      backend: 'cpu',
      epochs: 2,
      steps: 4,
    });
    expect(summary.parameters.total).toBe(summary.parameters.trainable + summary.parameters.nonTrainable);
    expect(summary.bestAccuracy).toBeGreaterThanOrEqual(0);
    expect(summary.bestAccuracy).toBeLessThanOrEqual(1);
    expect(summary.bestAccuracy).toBeGreaterThanOrEqual(summary.finalAccuracy as number);
    expect(summary.seconds).toBeGreaterThan(0);
    expect(summary.imagesPerSecond).toBeGreaterThan(0);
    expect(summary.lastCheckpoint).toMatch(/ckpt-s000000004-e00002\.ckpt$/);
  });

  it('writes run.json, metrics.jsonl, summary.json and SVG curves', async () => {
    for (const f of ['run.json', 'metrics.jsonl', 'summary.json', 'loss.svg', 'accuracy.svg'])
      expect(existsSync(join(run, f)), f).toBe(true);
    const lines = (await readFile(join(run, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EpochRecord);
    expect(lines.map((l) => [l.epoch, l.step])).toEqual([
      [1, 2],
      [2, 4],
    ]);
    for (const l of lines) {
      expect(l.loss).toBeCloseTo(l.taskLoss + l.auxLoss, 5);
      expect(l.testAccuracy).not.toBeNull();
      // 16 test examples: accuracy is a multiple of 1/16.
      expect(Math.abs((l.testAccuracy as number) * 16 - Math.round((l.testAccuracy as number) * 16))).toBeLessThan(1e-9);
    }
    expect(summary.finalAccuracy).toBe(lines[1]?.testAccuracy);
    const svg = await readFile(join(run, 'accuracy.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect((svg.match(/<circle /g) ?? []).length).toBe(2);
  });

  it('with --json the progress goes nowhere; without a terminal, plain lines', async () => {
    expect(trainErr).not.toMatch(/step \d+\/\d+/);
    const before = tf.memory().numTensors;
    const r = await cli('train', '--config', config, '--out', join(dir(), 'plain'), '--epochs', '1');
    expect(r.code, r.err).toBe(0);
    expect(tf.memory().numTensors).toBe(before); // model, optimiser and batches are all disposed
    const lines = r.err.trim().split('\n');
    expect(lines[0]).toMatch(/^Training ait-tiny \([\d,]+ parameters\) on triangle-train \(32 train, 16 test\)/);
    expect(lines).toContainEqual(expect.stringMatching(/^epoch 1\/1 step 1\/2 loss \d+\.\d{4} aux \d+\.\d{4} \d+\.\d img\/s left /));
    expect(lines).toContainEqual(expect.stringMatching(/^epoch 1\/1 step 2\/2 loss /));
    // the task loss (comparable with the test loss) and AiT's balance loss apart
    expect(lines).toContainEqual(
      expect.stringMatching(/^epoch 1\/1 loss \d+\.\d{4} aux loss \d+\.\d{4} test loss \d+\.\d{4} test accuracy \d+\.\d\d %/),
    );
    expect(r.err.includes('\u001b[')).toBe(false); // no terminal escape codes
    expect(r.out).toMatch(/Run completed: 1 epochs, 2 steps/);
    expect(r.out).toMatch(/best accuracy\s+\d+\.\d\d %/);
  });

  it('without --model trains the default ait-tiny-conv with its preset recipe (lr 0.002)', async () => {
    const r = await cli(
      'train',
      '--train-size',
      '32',
      '--test-size',
      '16',
      '--epochs',
      '1',
      '--batch-size',
      '16',
      '--backend',
      'wasm',
      '--out',
      join(dir(), 'default'),
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err.split('\n')[0]).toMatch(
      /^Training ait-tiny-conv \([\d,]+ parameters\) on triangle-train \(32 train, 16 test\) for 1 epochs, batch 16, lr 0\.002;/,
    );
    const saved = JSON.parse(await readFile(join(dir(), 'default', 'run.json'), 'utf8')) as { model: string };
    expect(saved.model).toBe('ait-tiny-conv');
  });

  it('ait eval reports loss, accuracy and a consistent confusion matrix', async () => {
    const r = await cli('eval', run, '--json');
    expect(r.code, r.err).toBe(0);
    const e = JSON.parse(r.out) as {
      examples: number;
      accuracy: number;
      loss: number;
      confusion: number[][];
      labelNames: string[];
      checkpoint: string;
    };
    expect(e.checkpoint).toBe(summary.lastCheckpoint);
    expect(e.examples).toBe(16);
    expect(e.labelNames).toEqual(['equilateral', 'not equilateral']);
    expect(e.confusion.flat().reduce((a, b) => a + b, 0)).toBe(16);
    expect(e.accuracy).toBeCloseTo(((e.confusion[0]?.[0] ?? 0) + (e.confusion[1]?.[1] ?? 0)) / 16, 12);
    expect(Number.isFinite(e.loss) && e.loss > 0).toBe(true);
    const text = await cli('eval', summary.lastCheckpoint as string, '--limit', '8');
    expect(text.out).toMatch(/8 examples/);
    expect(text.out).toMatch(/Confusion matrix/);
    const before = tf.memory().numTensors;
    await cli('eval', run, '--limit', '4');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('ait inspect shows position, config, parameters and metrics', async () => {
    const r = await cli('inspect', run, '--json');
    expect(r.code, r.err).toBe(0);
    const i = JSON.parse(r.out) as {
      position: { epoch: number; step: number };
      config: { model: string; recipe: { batchSize: number } };
      parameters: { total: number };
      metrics: unknown[];
      summary: string;
      checkpoint: { sha256: string };
    };
    expect(i.position).toMatchObject({ epoch: 2, step: 4, stepInEpoch: 0 });
    expect(i.config.model).toBe('ait-tiny');
    expect(i.config.recipe.batchSize).toBe(16);
    expect(i.parameters.total).toBe(summary.parameters.total);
    expect(i.metrics).toHaveLength(2);
    expect(i.summary).toMatch(/Total params/);
    expect(i.checkpoint.sha256).toMatch(/^[0-9a-f]{64}$/);
    const text = await cli('inspect', run);
    expect(text.out).toMatch(/position\s+epoch 2/);
  });

  it('ait visualize writes the AiT maps of one test image as SVG and PNG figures', async () => {
    const out = join(dir(), 'vis');
    const r = await cli('visualize', run, '--image', '1', '--out', out, '--json');
    expect(r.code, r.err).toBe(0);
    const v = JSON.parse(r.out) as { files: string[]; probabilities: number[]; predicted: string; label: string };
    expect(v.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(['equilateral', 'not equilateral']).toContain(v.predicted);
    expectFilesIn(v.files, out, [
      'input.svg',
      'input.png',
      'block0_attention.svg',
      'block0_gwl_gate.svg',
      'block0_gwl_priors.svg',
      'block0_gwl_hopfield.svg',
      'block0_gwl_hopfield.png',
    ]);
    // Priors [4 slots, 8 wide] of the tiny AiT: one panel of 4 x 8 cells (an embedded 8 x 4 PNG) and its colour bar.
    const priors = await readFile(join(out, 'block0_gwl_priors.svg'), 'utf8');
    expect(priors).toMatch(/>priors<\/text>/);
    expect(priors).toContain('>4x8, values');
    expect(priors).toContain('min..max');
    expect(priors).toMatch(/<image [^>]*width="\d+" height="\d+"[^>]*href="data:image\/png;base64,/);
    // Self-attention [1, 2 heads, 16 tokens, 16 tokens]: two 16 x 16 panels, each with a colour bar.
    const attention = await readFile(join(out, 'block0_attention.svg'), 'utf8');
    expect(attention.match(/16x16, values/g)).toHaveLength(2);
    expect(attention.match(/stroke="#666666"/g)).toHaveLength(2);
    const bad = await cli('visualize', run, '--image', '999');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/has 16 examples; give an index below that/);
  });

  it('--resume extends a finished run; a run directory is not overwritten', async () => {
    const again = await cli('train', '--config', config, '--out', run);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds a run; continue it with `ait train --resume/);
    // what defines the run may not change; the config file the run started with may be given again
    const clash = await cli('train', '--resume', run, '--batch-size', '32', '--seed', '0');
    expect(clash.code).toBe(2);
    expect(clash.err).toMatch(/--resume continues .* but --batch-size is 32 \(the run has 16\)\. Remove those settings/);
    expect(clash.err).not.toMatch(/--seed/);
    const r = await cli('train', '--resume', run, '--config', config, '--epochs', '3', '--json');
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out) as TrainSummary;
    expect(s).toMatchObject({ epochs: 3, steps: 6, status: 'completed' });
    const lines = (await readFile(join(run, 'metrics.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; epoch: number });
    // one line per epoch, and one for the longer schedule (epochs 2 -> 3) the resume asked for
    expect(lines.map((l) => `${l.type} ${l.epoch}`)).toEqual(['epoch 1', 'epoch 2', 'settings 3', 'epoch 3']);
  });

  it('stops on a failed GPU device naming the last checkpoint and the resume command, writing none', async () => {
    const out = join(dir(), 'lost');
    expect((await cli('train', '--config', config, '--out', out, '--epochs', '1')).code).toBe(0);
    const before = await readdir(join(out, 'checkpoints'));
    // what @ait/core's WebGPU device watcher records when the device is lost, here for the cpu backend
    reportDeviceFailure({ backend: 'cpu', kind: 'lost', detail: 'unknown: driver reset' });
    try {
      const r = await cli('train', '--resume', out, '--epochs', '2', '--backend', 'cpu');
      expect(r.code, r.err).toBe(1);
      expect(r.err).toMatch(/^error: Training stopped at epoch 1, step 2: the cpu device was lost \(unknown: driver reset\)/m);
      expect(r.err).toMatch(/the last good state is .*ckpt-s000000002-e00001\.ckpt\./);
      expect(r.err).toContain(`Continue with \`ait train --resume ${out}\`.`);
    } finally {
      clearDeviceFailures();
    }
    expect(await readdir(join(out, 'checkpoints'))).toEqual(before);
    expect((await cli('train', '--resume', out, '--epochs', '2', '--backend', 'cpu')).code).toBe(0);
  });

  it('stops a diverging run with a clear message and keeps the last good checkpoint', async () => {
    const out = join(dir(), 'nan');
    const r = await cli('train', '--config', config, '--out', out, '--lr', '1e30', '--checkpoint-every', '1');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error: Training diverged: the (loss|gradient norm) is (NaN|-?Infinity)/m);
    expect(r.err).toMatch(/The last good checkpoint is .*ckpt-s\d+-e\d+\.ckpt\./);
    const good = /The last good checkpoint is (.*\.ckpt)\./.exec(r.err)?.[1] as string;
    // the advice is a command that works: a lower learning rate, clipping, from that checkpoint
    expect(r.err).toContain(`ait train --resume ${good} --lr 0.001 --clip-norm 1`);
    const inspect = await cli('inspect', good, '--json');
    expect(inspect.code, inspect.err).toBe(0);
  });

  it('rejects a corrupt checkpoint with a one-line reason', async () => {
    const bad = join(dir(), 'bad.ckpt');
    await writeFile(bad, 'not a checkpoint');
    const r = await cli('eval', bad);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^error: .*bad\.ckpt/);
    const missing = await cli('inspect', join(dir(), 'nothing-here'));
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/does not exist; give a run directory or a \.ckpt file/);
  });
});
