import { basename, join } from 'node:path';
import type { Trainer } from '@ait/core';
import { reconcileBestCheckpoint } from './best-checkpoint';
import { writeSettingsRecord } from './metrics-log';
import { resumeTrainer } from './resume-checkpoint';
import { RUN_FILES, writeJsonAtomic, type RunConfig, type RunSettingsChange, type SettingChange } from './run-config';
import { setAsideLaterCheckpoints } from './set-aside';

/** What {@link resumeRun} needs besides the trainer. */
export interface ResumeRunOptions {
  readonly dir: string;
  /** The checkpoint file given to `--resume`, if one was. */
  readonly checkpoint: string | undefined;
  /** Settings changed on this resume. */
  readonly changes: Readonly<Record<string, SettingChange>>;
  readonly runConfig: RunConfig;
  readonly warn: (text: string) => void;
  readonly log: (line: string) => void;
}

/**
 * Continues a run: restores `trainer` from the newest checkpoint that verifies (or the one given),
 * sets aside newer checkpoints and metrics lines of an abandoned continuation, checks that
 * `checkpoints/best.ckpt` belongs to the resumed run (see `reconcileBestCheckpoint`), and records
 * changed settings in `run.json` and `metrics.jsonl`. Returns the run config to train with.
 */
export async function resumeRun(trainer: Trainer, o: ResumeRunOptions): Promise<RunConfig> {
  const ckptDir = join(o.dir, RUN_FILES.checkpoints);
  const metricsPath = join(o.dir, RUN_FILES.metrics);
  const resumed = await resumeTrainer(trainer, ckptDir, o.dir, o.checkpoint);
  for (const s of resumed.skipped) o.warn(`Skipped checkpoint ${s.path}: ${s.reason}.`);
  const reasons = new Map(resumed.skipped.map((s) => [s.path, `damaged: ${s.reason}`] as const));
  const aside = await setAsideLaterCheckpoints(ckptDir, metricsPath, resumed.path, resumed.position, resumed.newer, reasons);
  if (aside !== undefined) {
    o.warn(
      `Moved ${aside.checkpoints.length} checkpoint(s) newer than the one resumed from (${aside.checkpoints.map((p) => basename(p)).join(', ')})` +
        `${aside.metricsLines > 0 ? ` and ${aside.metricsLines} line(s) of ${RUN_FILES.metrics} recorded after it` : ''} to ${aside.folder}; nothing was deleted.`,
    );
  }
  const best = await reconcileBestCheckpoint(ckptDir, trainer.best);
  if (best !== undefined) o.warn(best);
  o.log(`Resuming ${o.dir} from ${resumed.path} (epoch ${resumed.position.epoch + 1}, step ${resumed.position.step}).`);
  if (Object.keys(o.changes).length === 0) return o.runConfig;
  const time = new Date().toISOString();
  const entry: RunSettingsChange = {
    step: resumed.position.step,
    epoch: resumed.position.epoch,
    time,
    checkpoint: resumed.path,
    changes: o.changes,
  };
  const runConfig: RunConfig = { ...o.runConfig, changes: [...(o.runConfig.changes ?? []), entry] };
  trainer.config = runConfig;
  await writeJsonAtomic(join(o.dir, RUN_FILES.config), runConfig);
  await writeSettingsRecord(metricsPath, { type: 'settings', step: entry.step, epoch: entry.epoch + 1, changes: o.changes, time });
  o.log(
    `Changed from step ${entry.step} on: ${Object.entries(o.changes)
      .map(([k, c]) => `${k} ${c.from ?? 'none'} -> ${c.to ?? 'none'}`)
      .join(', ')} ` + `(recorded in ${RUN_FILES.config} and ${RUN_FILES.metrics}).`,
  );
  return runConfig;
}
