import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadCheckpoint, disposeCheckpoint } from '@ait/core';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import type { EpochRecord } from '../src/index';
import { cli, tinyConfigFile } from './helpers';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
// tsx's loader in the CLI process itself (not the tsx wrapper, which handles signals on its own).
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

async function checkpointSteps(dir: string): Promise<number[]> {
  const names = await readdir(join(dir, 'checkpoints')).catch(() => [] as string[]);
  return names
    .map((n) => /^ckpt-s(\d+)-e\d+\.ckpt$/.exec(n)?.[1])
    .filter((s): s is string => s !== undefined)
    .map(Number);
}

/**
 * Spawns `ait train` (through tsx, on the sources) and sends `signal` once a checkpoint at
 * `killAfterStep` exists, or once `killWhen` (given what the run printed to stderr) is true.
 */
function trainAndKill(
  args: string[],
  out: string,
  killWhen: number | ((stderr: string) => boolean),
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<{ killed: boolean; code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, '--conditions=@ait/source', 'src/cli.ts', 'train', ...args], {
      cwd: packageDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    const timer = setInterval(() => {
      const ready =
        typeof killWhen === 'number'
          ? checkpointSteps(out).then((steps) => steps.some((s) => s >= killWhen))
          : Promise.resolve(killWhen(stderr));
      void ready.then((due) => {
        if (due && child.exitCode === null) {
          clearInterval(timer);
          child.kill(signal);
        }
      });
    }, 5);
    child.on('error', reject);
    child.on('exit', (code, received) => {
      clearInterval(timer);
      resolve({ killed: received === 'SIGKILL', code, stdout, stderr });
    });
  });
}

async function finalWeights(dir: string): Promise<Record<string, number[]>> {
  const steps = await checkpointSteps(dir);
  const names = (await readdir(join(dir, 'checkpoints'))).filter((n) => n.startsWith('ckpt-')).sort();
  const last = names[names.length - 1] as string;
  expect(Math.max(...steps)).toBe(Number(/s(\d+)/.exec(last)?.[1]));
  const c = await loadCheckpoint(join(dir, 'checkpoints', last));
  try {
    return Object.fromEntries(Object.entries(c.weights).map(([k, t]) => [k, Array.from(t.dataSync())]));
  } finally {
    disposeCheckpoint(c);
  }
}

async function records(dir: string): Promise<EpochRecord[]> {
  return (await readFile(join(dir, 'metrics.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochRecord);
}

describe('kill -9 in the middle of an epoch, then --resume (cpu backend)', () => {
  const dir = useTempDir('ait-cli-');

  it('ends with the same weights and metrics as an uninterrupted run', async () => {
    // 64 examples, batch 16: 4 steps per epoch, 3 epochs, a checkpoint after every step.
    const config = await tinyConfigFile(dir(), { trainSize: 64, epochs: 3, checkpointEvery: 1 });
    const reference = join(dir(), 'reference');
    const ref = await cli('train', '--config', config, '--out', reference, '--quiet');
    expect(ref.code, ref.err).toBe(0);

    const killedRun = join(dir(), 'killed');
    const { killed, stderr } = await trainAndKill(['--config', config, '--out', killedRun], killedRun, 6);
    expect(killed, stderr).toBe(true);
    const stepsAtKill = Math.max(...(await checkpointSteps(killedRun)));
    expect(stepsAtKill).toBeGreaterThanOrEqual(6);
    expect(stepsAtKill).toBeLessThan(12); // killed before the end

    const resumed = await cli('train', '--resume', killedRun, '--backend', 'cpu', '--quiet', '--json');
    expect(resumed.code, resumed.err).toBe(0);
    expect(JSON.parse(resumed.out)).toMatchObject({ status: 'completed', epochs: 3, steps: 12 });

    const a = await finalWeights(reference);
    const b = await finalWeights(killedRun);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const k of Object.keys(a)) expect(b[k], k).toEqual(a[k]);
    const ra = await records(reference);
    const rb = await records(killedRun);
    const pick = (r: EpochRecord[]) => r.map((x) => [x.epoch, x.step, x.loss, x.testLoss, x.testAccuracy]);
    // one line per epoch, also for an epoch trained again after the kill
    expect(pick(rb)).toEqual(pick(ra));
  });

  it('Ctrl-C (SIGINT) stops after the current step with a checkpoint and exit code 130', async () => {
    const config = await tinyConfigFile(dir(), { trainSize: 64, epochs: 50 });
    const out = join(dir(), 'interrupted');
    // End-of-epoch checkpoints only: the first appears after step 4; SIGINT then.
    const { code, stdout, stderr } = await trainAndKill(['--config', config, '--out', out], out, 4, 'SIGINT');
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('Stopping after this step and saving a checkpoint');
    expect(stdout).toMatch(/Run stopped: \d+ epochs, \d+ steps/);
    expect(stdout).toContain(`Continue with: ait train --resume ${out}`);
    const steps = await checkpointSteps(out);
    const stoppedAt = Number(/Run stopped: \d+ epochs, (\d+) steps/.exec(stdout)?.[1]);
    expect(Math.max(...steps)).toBe(stoppedAt);
    expect(stoppedAt).toBeLessThan(200);
  });

  it('Ctrl-C in the middle of a long epoch stops there (the steps give the signal handler its turn)', async () => {
    // 1024 steps in one epoch and no checkpoint before its end: a handler that ran only when the
    // run next waits for I/O would stop at step 1024 (or let the run complete)
    const config = await tinyConfigFile(dir(), { trainSize: 16384, testSize: 16, epochs: 1 });
    const out = join(dir(), 'interrupted-mid-epoch');
    let startedAt: number | undefined;
    const { code, stdout, stderr } = await trainAndKill(
      ['--config', config, '--out', out],
      out,
      (err) => {
        if (startedAt === undefined && err.includes('Training ait-tiny')) startedAt = performance.now();
        return startedAt !== undefined && performance.now() - startedAt > 300;
      },
      'SIGINT',
    );
    expect(code, stderr).toBe(130);
    const stoppedAt = Number(/Run stopped: 0 epochs, (\d+) steps/.exec(stdout)?.[1]);
    expect(stoppedAt, stdout).toBeGreaterThan(0);
    expect(stoppedAt).toBeLessThan(1024);
    expect(await checkpointSteps(out)).toEqual([stoppedAt]);
  }, 60_000);
});
