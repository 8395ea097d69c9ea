import { join, resolve } from 'node:path';
import { writeSortOfClevrSet, writeTriangleSet, type SyntheticManifest } from '@ait/datasets';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { GENERATED_DEFAULT_SIZES } from '../util/dataset-choice';
import { printJson } from '../util/output';

/** Tasks `ait data generate` writes. */
export const GENERATED_TASKS = ['triangle', 'sort-of-clevr'] as const;

/** Options of `ait data generate`. */
export interface DataGenerateOptions {
  /** Training examples (Triangle) or images (Sort-of-CLEVR). */
  n?: number;
  /** Test examples / images; default a fifth of `n` (at least 1) or the task's default. */
  testN?: number;
  seed?: number;
  out?: string;
  json?: boolean;
}

/**
 * `ait data generate triangle|sort-of-clevr`: writes a training set to `<out>/train` and a test
 * set to `<out>/test` (IDX files and a manifest each), ready for `ait train --dataset <out>`.
 */
export async function dataGenerateCommand(task: string, options: DataGenerateOptions, io: CliIo): Promise<number> {
  if (task !== 'triangle' && task !== 'sort-of-clevr') {
    throw new CliError(`Unknown task "${task}"; choose one of ${GENERATED_TASKS.join(', ')}.`, 2);
  }
  const defaults = GENERATED_DEFAULT_SIZES[task];
  const n = options.n ?? defaults.train;
  const testN = options.testN ?? (options.n !== undefined ? Math.max(1, Math.round(n / 5)) : defaults.test);
  const seed = options.seed ?? 0;
  const out = resolve(options.out ?? `data/${task}`);
  const written: Record<string, SyntheticManifest> = {};
  for (const [split, count] of [
    ['train', n],
    ['test', testN],
  ] as const) {
    const dir = join(out, split);
    const onProgress = (done: number, total: number): void => {
      if (options.json) return;
      if (io.isTTY) io.stderr(`\r${task} ${split}: ${done}/${total}${done === total ? '\n' : ''}`);
      else if (done === total) io.stderr(`${task} ${split}: ${done}/${total}\n`);
    };
    written[split] =
      task === 'triangle'
        ? await writeTriangleSet(dir, { split, size: count, seed, onProgress })
        : await writeSortOfClevrSet(dir, { split, images: count, seed, onProgress });
  }
  const result = {
    command: 'data generate',
    task,
    seed,
    out,
    train: { dir: join(out, 'train'), count: written.train?.count ?? n },
    test: { dir: join(out, 'test'), count: written.test?.count ?? testN },
  };
  if (options.json) printJson(io, result);
  else io.stdout(`Wrote ${task}: ${result.train.count} train to ${result.train.dir}, ${result.test.count} test to ${result.test.dir}\n`);
  return 0;
}
