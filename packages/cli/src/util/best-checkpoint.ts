import { existsSync, statSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { disposeCheckpoint, loadCheckpoint, type BestCheckpointRecord, type TrainingPosition } from '@ait/core';
import { CliError } from './cli-error';
import { RUN_FILES } from './run-config';

/** `<run>/checkpoints/best.ckpt`: where `ait train` keeps the checkpoint of the best epoch. */
export function bestCheckpointPath(runDir: string): string {
  return join(runDir, RUN_FILES.checkpoints, RUN_FILES.bestCheckpoint);
}

/**
 * The best checkpoint of a run for `ait eval --best`: `<run>/checkpoints/best.ckpt` of a run
 * directory (or `best.ckpt` of a checkpoints folder). Usage errors (exit 2) for a file target or a
 * run without one.
 */
export function resolveBestCheckpoint(target: string): string {
  const path = resolve(target);
  if (!existsSync(path)) throw new CliError(`${target} does not exist; give the run directory of an \`ait train\` run.`, 2);
  if (statSync(path).isFile()) {
    throw new CliError(
      `--best picks the best checkpoint of a run directory; ${target} is a file. Give its run directory, or drop --best.`,
      2,
    );
  }
  const candidates = [bestCheckpointPath(path), join(path, RUN_FILES.bestCheckpoint)];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) {
    throw new CliError(
      `${target} has no ${join(RUN_FILES.checkpoints, RUN_FILES.bestCheckpoint)}: it is written after the first evaluated epoch ` +
        '(runs of ait train before it kept only the newest checkpoints). Evaluate the newest with `ait eval <run>`.',
      2,
    );
  }
  return found;
}

function samePosition(a: TrainingPosition, record: BestCheckpointRecord): boolean {
  return a.step === record.step && a.epoch === record.epoch + 1 && a.stepInEpoch === 0;
}

/**
 * After a resume: checks that `checkpoints/best.ckpt` is the checkpoint the resumed state's record
 * names (`record`, restored by `Trainer.resume`). A best checkpoint from epochs the resumed run no
 * longer includes (written after the checkpoint resumed from, or before a kill cut the epoch's
 * own checkpoint), or one that cannot be read, is moved into `checkpoints/set-aside-<time>/`
 * (nothing is deleted); the run then writes a new one when an epoch beats the record. Returns a
 * warning saying so, or `undefined` when the file fits or there is none.
 */
export async function reconcileBestCheckpoint(ckptDir: string, record: BestCheckpointRecord | undefined): Promise<string | undefined> {
  const path = join(ckptDir, RUN_FILES.bestCheckpoint);
  if (!existsSync(path)) return undefined;
  let why: string;
  try {
    const best = await loadCheckpoint(path);
    const position = best.position;
    disposeCheckpoint(best);
    if (record !== undefined && samePosition(position, record)) return undefined;
    why =
      `it holds epoch ${position.epoch} (step ${position.step}), which the resumed run does not include` +
      (record !== undefined ? ` (its best so far is epoch ${record.epoch + 1})` : ' (it has no evaluated epoch yet)');
  } catch (err) {
    why = `it cannot be read (${(err as Error).message})`;
  }
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const folder = join(ckptDir, `set-aside-${stamp}`);
  await mkdir(folder, { recursive: true });
  await rename(path, join(folder, basename(path)));
  return `Moved ${path} to ${folder}: ${why}; a new one is written when an epoch beats the best so far.`;
}
