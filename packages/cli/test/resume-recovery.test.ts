import { existsSync } from 'node:fs';
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import type { RunConfig, TrainSummary } from '../src/index';
import type { MetricsLine } from '../src/util/metrics-log';
import { cli, tinyConfigFile } from './helpers';

const ckpt = (step: number, epoch: number): string => `ckpt-s${String(step).padStart(9, '0')}-e${String(epoch).padStart(5, '0')}.ckpt`;

async function metricsLines(run: string): Promise<MetricsLine[]> {
  return (await readFile(join(run, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as MetricsLine);
}

describe('ait train --resume after a failure (tiny AiT, cpu backend)', () => {
  const dir = useTempDir('ait-cli-');
  let config: string;
  beforeAll(async () => {
    // 2 steps per epoch, a checkpoint after every step (keep 3)
    config = await tinyConfigFile(dir(), { epochs: 1, checkpointEvery: 1 });
  });

  it('stops an exploding loss before it is NaN, and its advice (--resume <ckpt> --lr --clip-norm) continues the run', async () => {
    const run = join(dir(), 'explode');
    expect((await cli('train', '--config', config, '--out', run, '--quiet')).code).toBe(0);
    // the learning rate raised 50 000-fold on resume: the loss explodes at the second step
    const hot = await cli('train', '--resume', run, '--lr', '50', '--epochs', '2', '--backend', 'cpu', '--quiet');
    expect(hot.code).toBe(1);
    expect(hot.err).toMatch(/^warning: --lr 50 is 50,000 times the learning rate of ait-tiny's recipe \(0\.001\)/m);
    expect(hot.err).toMatch(
      /^error: Training diverged: the loss exploded to [\d.e+]+ at epoch 1, step 3 \(learning rate [\d.]+\), more than 10 times its running level [\d.]+\. The step was not applied and no checkpoint was written after it\. /m,
    );
    const good = join(run, 'checkpoints', ckpt(2, 1));
    expect(hot.err).toContain(`The last good checkpoint is ${good}. Newer checkpoints hold the weights that led to the divergence`);
    const advice = /Continue from it with a lower learning rate and gradient clipping: ait train (.*)\.$/m.exec(hot.err)?.[1] as string;
    expect(advice).toBe(`--resume ${good} --lr 0.001 --clip-norm 1`);
    // the checkpoint written after the loss began to explode is there, but not trusted
    expect((await readdir(join(run, 'checkpoints'))).filter((n) => n.endsWith('.ckpt'))).toContain(ckpt(3, 1));

    // follow the advice literally
    const fixed = await cli('train', ...advice.split(' '), '--backend', 'cpu', '--json');
    expect(fixed.code, fixed.err).toBe(0);
    const summary = JSON.parse(fixed.out) as TrainSummary;
    expect(summary).toMatchObject({ status: 'completed', epochs: 2, steps: 4 });
    expect(fixed.err).toMatch(
      new RegExp(`^warning: Moved 1 checkpoint\\(s\\) newer than the one resumed from \\(${ckpt(3, 1)}\\) to .*set-aside-`, 'm'),
    );
    expect(summary.warnings).toContainEqual(expect.stringMatching(/^Moved 1 checkpoint/));
    const aside = (await readdir(join(run, 'checkpoints'))).filter((n) => n.startsWith('set-aside-'));
    expect(aside).toHaveLength(1);
    expect(existsSync(join(run, 'checkpoints', aside[0] as string, ckpt(3, 1)))).toBe(true); // kept, not deleted

    // both changes are recorded, with where they took effect: in run.json ...
    const saved = JSON.parse(await readFile(join(run, 'run.json'), 'utf8')) as RunConfig;
    expect(saved.recipe).toMatchObject({ lr: 0.001, clipNorm: 1, epochs: 2 });
    expect(saved.changes?.map((c) => [c.step, basename(c.checkpoint), c.changes])).toEqual([
      [2, ckpt(2, 1), { epochs: { from: 1, to: 2 }, lr: { from: 0.001, to: 50 } }],
      [2, ckpt(2, 1), { lr: { from: 50, to: 0.001 }, clipNorm: { from: 0, to: 1 } }],
    ]);
    // ... and in metrics.jsonl, one line per epoch besides
    const lines = await metricsLines(run);
    expect(lines.map((l) => (l.type === 'epoch' ? `epoch ${l.epoch}` : `settings ${Object.keys(l.changes).join('+')}`))).toEqual([
      'epoch 1',
      'settings epochs+lr',
      'settings lr+clipNorm',
      'epoch 2',
    ]);
    // the checkpoints of the continuation carry the changed settings too
    const inspect = JSON.parse((await cli('inspect', run, '--json')).out) as { config: RunConfig };
    expect(inspect.config.recipe.clipNorm).toBe(1);
    expect(inspect.config.changes).toHaveLength(2);
  });

  it('--resume takes --clip-norm and --warmup-epochs, refuses what defines the run, and names each clash', async () => {
    const bad = await cli('train', '--resume', join(dir(), 'explode'), '--model', 'vit-tiny', '--train-size', '64', '--clip-norm', '0.5');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(
      /but --model is "vit-tiny" \(the run has "ait-tiny"\), --train-size is 64 \(the run has 32\)\. Remove those settings/,
    );
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    const badValue = await cli('train', '--clip-norm', '-1');
    expect(badValue.code).toBe(2);
    expect(badValue.err).toMatch(/--clip-norm.*expected a number >= 0, got "-1"/);
  });

  it('passes over a damaged newest checkpoint (saying which and why), resumes from the newest that verifies, and takes a .ckpt file', async () => {
    const run = join(dir(), 'damaged');
    expect((await cli('train', '--config', config, '--out', run, '--epochs', '2', '--quiet')).code).toBe(0);
    const folder = join(run, 'checkpoints');
    expect((await readdir(folder)).sort()).toEqual(['best.ckpt', ckpt(3, 1), ckpt(4, 1), ckpt(4, 2)]);
    await truncate(join(folder, ckpt(4, 2)), 1000); // a copy cut short

    const r = await cli('train', '--resume', run, '--backend', 'cpu', '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`warning: Skipped checkpoint ${join(folder, ckpt(4, 2))}: it is truncated`);
    expect(r.err).not.toMatch(/listCheckpoints/);
    expect(r.err).toMatch(
      /warning: Moved 1 checkpoint\(s\) newer than the one resumed from \(ckpt-s000000004-e00002\.ckpt\) and 1 line\(s\) of metrics\.jsonl/,
    );
    expect(r.err).toContain(`Resuming ${run} from ${join(folder, ckpt(4, 1))} (epoch 2, step 4)`);
    expect(JSON.parse(r.out)).toMatchObject({ status: 'completed', epochs: 2, steps: 4, lastCheckpoint: join(folder, ckpt(4, 2)) });
    expect((await metricsLines(run)).map((l) => l.type === 'epoch' && l.epoch)).toEqual([1, 2]);

    // an explicit older checkpoint: the continuation after it is set aside, not lost
    const older = await cli('train', '--resume', join(folder, ckpt(3, 1)), '--backend', 'cpu', '--quiet');
    expect(older.code, older.err).toBe(0);
    expect(older.err).toMatch(
      /Moved 2 checkpoint\(s\) newer than the one resumed from \(ckpt-s000000004-e00001\.ckpt, ckpt-s000000004-e00002\.ckpt\)/,
    );
    expect((await readdir(folder)).filter((n) => n.startsWith('ckpt-')).sort()).toEqual([ckpt(3, 1), ckpt(4, 1), ckpt(4, 2)]);

    // every checkpoint damaged: each named with its problem, and advice in commands, not library calls
    for (const name of (await readdir(folder)).filter((n) => n.startsWith('ckpt-')))
      await writeFile(join(folder, name), 'not a checkpoint');
    const none = await cli('train', '--resume', run, '--backend', 'cpu');
    expect(none.code).toBe(1);
    expect(none.err).toMatch(
      /^error: None of the 3 checkpoints of .* can be used: ckpt-s000000004-e00002\.ckpt: it does not start with the AiT\.js checkpoint magic bytes.*; ckpt-s000000004-e00001\.ckpt: .*start the run again with `ait train --out <new folder>`/,
    );
    expect(none.err).not.toMatch(/listCheckpoints/);
    const explicit = await cli('train', '--resume', join(folder, ckpt(3, 1)), '--backend', 'cpu');
    expect(explicit.code).toBe(1);
    expect(explicit.err).toMatch(
      /Cannot resume from .*ckpt-s000000003-e00001\.ckpt: it does not start with .* The run's other checkpoints: ckpt-s000000004-e00001\.ckpt, ckpt-s000000004-e00002\.ckpt/,
    );
    const evalDamaged = await cli('eval', join(folder, ckpt(4, 2)));
    expect(evalDamaged.code).toBe(1);
    expect(evalDamaged.err).toMatch(/Give an earlier checkpoint instead: ckpt-s000000004-e00001\.ckpt, ckpt-s000000003-e00001\.ckpt/);
    expect(evalDamaged.err).not.toMatch(/listCheckpoints/);
    const notInRun = await cli('train', '--resume', config);
    expect(notInRun.code).toBe(2);
    expect(notInRun.err).toMatch(/--resume .*tiny\.yaml is a file, but not a checkpoint in the checkpoints\/ folder of a run directory/);
  });
});
