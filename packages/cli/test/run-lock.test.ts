import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import type { EpochRecord } from '../src/index';
import { cli, tinyConfigFile } from './helpers';

/** A process that runs until killed (its pid holds a lock in the test). */
function sleeper(): Promise<{ pid: number; stop: () => Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('spawn', () =>
      resolve({
        pid: child.pid as number,
        stop: () =>
          new Promise<void>((done) => {
            child.on('exit', () => done());
            child.kill('SIGKILL');
          }),
      }),
    );
  });
}

describe('ait train locks its run folder and keeps one metrics line per epoch', () => {
  const dir = useTempDir('ait-cli-');
  let config: string;
  beforeAll(async () => {
    config = await tinyConfigFile(dir(), { epochs: 1 });
  });

  it('refuses a folder another live process trains (exit 2, naming the folder and the pid), and takes over the lock of a dead one', async () => {
    const run = join(dir(), 'locked');
    await mkdir(run, { recursive: true });
    const other = await sleeper();
    try {
      await writeFile(join(run, 'train.lock'), JSON.stringify({ pid: other.pid, host: hostname(), started: '2024-01-01T00:00:00.000Z' }));
      const refused = await cli('train', '--config', config, '--out', run, '--json');
      expect(refused.code).toBe(2);
      expect(refused.err).toContain(
        `error: Run folder ${run} is in use: process ${other.pid} (since 2024-01-01T00:00:00.000Z) is training it`,
      );
      expect(JSON.parse(refused.out)).toMatchObject({ exitCode: 2 });
      expect(existsSync(join(run, 'run.json'))).toBe(false); // nothing was touched
    } finally {
      await other.stop();
    }
    // the holder was killed: its lock is stale and taken over, with a word about it
    const r = await cli('train', '--config', config, '--out', run, '--json');
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain(`warning: Took over the lock of run folder ${run} from process ${other.pid}`);
    expect(r.err).toContain('which no longer runs');
    expect(existsSync(join(run, 'train.lock'))).toBe(false); // released at the end
  });

  it('lets only one of two simultaneous runs into the same folder', async () => {
    const run = join(dir(), 'race');
    const [a, b] = await Promise.all([
      cli('train', '--config', config, '--out', run, '--quiet'),
      cli('train', '--config', config, '--out', run, '--quiet'),
    ]);
    expect([a.code, b.code].sort()).toEqual([0, 2]);
    const loser = a.code === 2 ? a : b;
    expect(loser.err).toContain(`Run folder ${run} is in use: process ${process.pid}`);
    expect(existsSync(join(run, 'train.lock'))).toBe(false);
  });

  it('writes one line per epoch even when a killed run had logged an epoch its checkpoint lacks', async () => {
    const run = join(dir(), 'metrics');
    expect((await cli('train', '--config', config, '--out', run, '--quiet')).code).toBe(0);
    const path = join(run, 'metrics.jsonl');
    const first = (await readFile(path, 'utf8')).trim();
    // what a process killed between the metrics append of epoch 2 and its checkpoint leaves,
    // plus a line cut off by the kill
    const ghost = { ...(JSON.parse(first) as EpochRecord), epoch: 2, step: 4, time: 'ghost' };
    await appendFile(path, `${JSON.stringify(ghost)}\n{"type":"epoch","epo`);
    const r = await cli('train', '--resume', run, '--epochs', '2', '--backend', 'cpu', '--quiet');
    expect(r.code, r.err).toBe(0);
    const all = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string });
    expect(all.map((l) => l.type)).toEqual(['epoch', 'settings', 'epoch']); // --epochs 2 is recorded too
    const lines = all.filter((l): l is EpochRecord => l.type === 'epoch');
    expect(lines.map((l) => l.epoch)).toEqual([1, 2]);
    expect(lines[0]).toEqual(JSON.parse(first));
    expect(lines[1]?.time).not.toBe('ghost');
  });
});
