import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { captureIo, runCli, type CapturedIo } from '../src/index';

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

/** Model overrides of the tiny test AiT. */
export const TINY_AIT = {
  patchSize: 16,
  dim: 32,
  depth: 1,
  numHeads: 2,
  headDim: 16,
  mlpDim: 64,
  memorySlots: 4,
  memoryDim: 8,
  memoryHeads: 2,
  topK: 8,
};
