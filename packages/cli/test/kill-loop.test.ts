// The kill loop of issue 22 in small: scripts/kill-loop.mjs SIGKILLs a tiny `ait train` three times
// (inside checkpoint writes), resumes it, and the run must end with no temporary file and with a
// final checkpoint identical to an uninterrupted run's, byte for byte apart from its time stamp.
// The 40-kill run of the script is not part of CI (a few minutes).
import { execFile, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTempDir } from '@ait/core/testing';
import { cli, CLI_TEST_TIMEOUT_MS, tinyConfigFile } from './helpers';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Every file name under `dir`, relative to it. */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((p) => relative(dir, join(dir, p)));
}

/** The tensor bytes and the header (without its time stamp) of a checkpoint file. */
async function checkpointParts(path: string): Promise<{ header: string; payload: Buffer }> {
  const bytes = await readFile(path);
  const h = bytes.readUInt32LE(12);
  const header = JSON.parse(bytes.subarray(24, 24 + h).toString('utf8')) as Record<string, unknown>;
  delete header.createdAt;
  return { header: JSON.stringify(header), payload: bytes.subarray(24 + h, bytes.length - 32) };
}

/** The pid of a process that has exited (a temporary file of it is stale). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => child.on('exit', resolve));
  return child.pid as number;
}

interface KillLoopResult {
  ok: boolean;
  kills: number;
  failures: string[];
  finalCheckpoint: string;
  referenceCheckpoint: string;
  killed: string;
}

describe('SIGKILL loop (tiny AiT, cpu backend)', () => {
  const dir = useTempDir('ait-kill-loop-');

  it(
    '3 kills inside checkpoint writes: no temporary file left, final checkpoint identical to an uninterrupted run',
    async () => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['scripts/kill-loop.mjs', '--kills', '3', '--epochs', '2', '--modes', 'write', '--seed', '5', '--dir', dir(), '--json'],
        { cwd: packageDir, maxBuffer: 1 << 24 },
      );
      const result = JSON.parse(stdout) as KillLoopResult;
      expect(result.failures).toEqual([]);
      expect(result).toMatchObject({ ok: true, kills: 3 });
      // checked here too, not only by the script
      expect(files(result.killed).filter((f) => /\.tmp/.test(f))).toEqual([]);
      const a = await checkpointParts(result.referenceCheckpoint);
      const b = await checkpointParts(result.finalCheckpoint);
      expect(relative(join(dir(), 'killed'), result.finalCheckpoint)).toBe(relative(join(dir(), 'reference'), result.referenceCheckpoint));
      expect(b.header).toBe(a.header);
      expect(b.payload.equals(a.payload)).toBe(true);
    },
    CLI_TEST_TIMEOUT_MS,
  );

  it('a resume removes the temporary files of killed writers in the run folder and in checkpoints/', async () => {
    const config = await tinyConfigFile(dir(), { epochs: 1 });
    const run = join(dir(), 'planted');
    expect((await cli('train', '--config', config, '--out', run, '--quiet')).code).toBe(0);
    const pid = await deadPid();
    const planted = [
      `metrics.jsonl.tmp-${pid}`,
      `run.json.tmp-${pid}`,
      join('checkpoints', `.tmp-ckpt-s000000003-e00001.ckpt.${pid}.0123abcd`),
    ];
    await mkdir(join(run, 'checkpoints'), { recursive: true });
    for (const p of planted) await writeFile(join(run, p), 'half a write');
    // a temporary file of a process that still runs (vitest's, which started this worker) is kept: it
    // may be a write in progress
    const live = `metrics.csv.tmp-${process.ppid}`;
    await writeFile(join(run, live), 'in progress');
    const resumed = await cli('train', '--resume', run, '--epochs', '2', '--backend', 'cpu', '--quiet');
    expect(resumed.code, resumed.err).toBe(0);
    expect(files(run).filter((f) => /\.tmp/.test(f))).toEqual([live]);
  });
});
