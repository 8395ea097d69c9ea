import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { TrainingPosition } from '@ait/core';
import { takeMetricsAfter } from './metrics-log';

/** What {@link setAsideLaterCheckpoints} moved. */
export interface SetAside {
  /** The folder they went to. */
  readonly folder: string;
  /** The checkpoint files moved (their new paths). */
  readonly checkpoints: readonly string[];
  /** Lines of `metrics.jsonl` moved with them. */
  readonly metricsLines: number;
}

/**
 * Moves checkpoints that sort after the one a run resumes from (damaged ones passed over, or the
 * continuation abandoned by `--resume <older.ckpt>`) into `checkpoints/set-aside-<time>/`, with the
 * lines of `metrics.jsonl` recorded after the resumed position (as `metrics.jsonl` there) and a
 * `set-aside.json` saying why. Nothing is deleted; the run's folder then holds only checkpoints of
 * the continuation, so "newest" and pruning mean what they should. `reasons` maps a path to why
 * it was set aside (default: newer than the checkpoint resumed from).
 */
export async function setAsideLaterCheckpoints(
  checkpointDir: string,
  metricsPath: string,
  resumedFrom: string,
  position: TrainingPosition,
  later: readonly string[],
  reasons: ReadonlyMap<string, string> = new Map(),
): Promise<SetAside | undefined> {
  if (later.length === 0) return undefined;
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const folder = join(checkpointDir, `set-aside-${stamp}`);
  await mkdir(folder, { recursive: true });
  const moved: string[] = [];
  for (const path of later) {
    const target = join(folder, basename(path));
    await rename(path, target);
    moved.push(target);
  }
  const lines = await takeMetricsAfter(metricsPath, position);
  if (lines.length > 0) await writeFile(join(folder, 'metrics.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''), 'utf8');
  const why = {
    time: new Date().toISOString(),
    resumedFrom,
    position,
    checkpoints: later.map((p) => ({
      file: basename(p),
      reason: reasons.get(p) ?? `newer than ${basename(resumedFrom)}, the checkpoint resumed from`,
    })),
  };
  await writeFile(join(folder, 'set-aside.json'), `${JSON.stringify(why, null, 2)}\n`, 'utf8');
  return { folder, checkpoints: moved, metricsLines: lines.length };
}
