import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { captureIo, runCli, type CapturedIo } from '../src/index';
import tinyAit from './tiny-ait.json';

/** Result of one in-process CLI run. */
export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
  readonly io: CapturedIo;
}

/** Runs the CLI in-process with captured, non-terminal output. */
export async function cli(...argv: string[]): Promise<CliRun> {
  const io = captureIo();
  const code = await runCli(argv, io);
  return { code, out: io.out.join(''), err: io.err.join(''), io };
}

/** A fresh temporary directory; remove it with {@link removeDir}. */
export function tempDir(prefix = 'ait-cli-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Removes a directory tree. */
export function removeDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}

/**
 * A very small AiT for fast tests (1 block, D 32, 2 heads of 16, 4 priors), written as a YAML
 * config file together with the other training settings.
 */
export async function tinyConfigFile(dir: string, extra: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, 'tiny.yaml');
  const settings = {
    model: 'ait-tiny',
    dataset: 'triangle',
    trainSize: 32,
    testSize: 16,
    batchSize: 16,
    epochs: 2,
    backend: 'cpu',
    ...extra,
  };
  const lines = Object.entries(settings).map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  lines.push('modelConfig:', ...Object.entries(TINY_AIT).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`));
  await writeFile(path, `${lines.join('\n')}\n`, 'utf8');
  return path;
}

/**
 * Trains the tiny AiT for one epoch into `<dir>/run` (`ait train --quiet` with {@link tinyConfigFile})
 * and returns that run folder; throws with the command's stderr when it fails.
 */
export async function trainTinyRun(dir: string): Promise<string> {
  const run = join(dir, 'run');
  const r = await cli('train', '--config', await tinyConfigFile(dir, { epochs: 1 }), '--out', run, '--quiet');
  if (r.code !== 0) throw new Error(`ait train of the tiny test run failed with exit code ${r.code}: ${r.err}`);
  return run;
}

/** Model overrides of the tiny test AiT (shared with `scripts/kill-loop.mjs`, which reads the same file). */
export const TINY_AIT = tinyAit;

/** Asserts that `files` (paths, as a command reports them) include every one of `names` inside folder `out`. */
export function expectFilesIn(files: readonly string[], out: string, names: readonly string[]): void {
  expect(files.map((f) => relative(out, f))).toEqual(expect.arrayContaining([...names]));
}

/**
 * Time limit for a test that starts several `ait` processes one after another: each pays Node's
 * start and tfjs' import (about 2 s on a quiet 2-core machine, 10-20 s on a loaded CI one, where
 * such tests have run past vitest's default 120 s).
 */
export const CLI_TEST_TIMEOUT_MS = 300_000;
