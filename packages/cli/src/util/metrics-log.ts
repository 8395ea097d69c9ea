import { readFile, rename, writeFile } from 'node:fs/promises';
import type { GroupAccuracyMap } from './group-report';
import type { SettingChange } from './run-config';

/** One line of `metrics.jsonl`: the metrics of a finished epoch. */
export interface EpochRecord {
  readonly type: 'epoch';
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Optimiser steps done in the whole run at the end of the epoch. */
  readonly step: number;
  /**
   * Mean training loss of the epoch as optimised: task + auxiliary. Compare `taskLoss`, not this,
   * with `testLoss` (which has no auxiliary term).
   */
  readonly loss: number;
  /** Mean task (cross-entropy) loss of the epoch: the training counterpart of `testLoss`. */
  readonly taskLoss: number;
  /** Mean auxiliary loss (AiT's balance loss) of the epoch; 0 for models without one. */
  readonly auxLoss: number;
  /** Learning rate of the epoch's last step. */
  readonly learningRate: number;
  /** Test loss after the epoch, if evaluated. */
  readonly testLoss: number | null;
  /** Test accuracy after the epoch, if evaluated. */
  readonly testAccuracy: number | null;
  /**
   * Test accuracy per group, for data sets with groupings (Sort-of-CLEVR: by `question type` and
   * by `question`); absent otherwise and in records of earlier versions.
   */
  readonly testGroupAccuracy?: GroupAccuracyMap;
  /** Training images per second during the epoch (this process only). */
  readonly imagesPerSecond: number;
  /** Seconds the epoch took in this process (training and evaluation). */
  readonly seconds: number;
  /** ISO-8601 time the line was written. */
  readonly time: string;
}

/** A line of `metrics.jsonl` that records settings changed by `ait train --resume`. */
export interface SettingsRecord {
  readonly type: 'settings';
  /** Optimiser steps done when the change took effect. */
  readonly step: number;
  /** 1-based epoch that continues with the new settings. */
  readonly epoch: number;
  /** Each changed setting, before and after. */
  readonly changes: Readonly<Record<string, SettingChange>>;
  /** ISO-8601 time of the resume. */
  readonly time: string;
}

/** Any line of `metrics.jsonl`. */
export type MetricsLine = EpochRecord | SettingsRecord;

/** The parsed lines of `metrics.jsonl` (a line cut off by a killed process, or not JSON, is left out). */
export async function readMetricsLines(path: string): Promise<MetricsLine[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const lines: MetricsLine[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as Partial<MetricsLine> | null;
      if (value !== null && typeof value === 'object' && (value.type === 'epoch' || value.type === 'settings'))
        lines.push(value as MetricsLine);
    } catch {
      // a line cut off by a killed process
    }
  }
  return lines;
}

/** Writes `metrics.jsonl` atomically (a temporary file, then a rename): a kill never leaves half a file. */
export async function writeMetricsLines(path: string, lines: readonly MetricsLine[]): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, lines.map((l) => `${JSON.stringify(l)}\n`).join(''), 'utf8');
  await rename(temp, path);
}

/**
 * Adds the record of a finished epoch to `metrics.jsonl`, keeping one line per epoch: a record
 * of the same or a later epoch already there (written before a kill, by a run that then resumed
 * from an earlier checkpoint and trained the epoch again) is replaced. The file is rewritten
 * atomically.
 */
export async function writeEpochRecord(path: string, record: EpochRecord): Promise<void> {
  const kept = (await readMetricsLines(path)).filter((l) => l.type !== 'epoch' || l.epoch < record.epoch);
  await writeMetricsLines(path, [...kept, record]);
}

/** Adds a {@link SettingsRecord} to `metrics.jsonl` (atomically). */
export async function writeSettingsRecord(path: string, record: SettingsRecord): Promise<void> {
  await writeMetricsLines(path, [...(await readMetricsLines(path)), record]);
}

/**
 * Splits `metrics.jsonl` at a checkpoint's position (`epoch` epochs complete, `step` steps done):
 * the lines after it (epochs not complete in the checkpoint, settings changed at a later step)
 * are removed from the file and returned, the rest is kept.
 */
export async function takeMetricsAfter(path: string, position: { epoch: number; step: number }): Promise<MetricsLine[]> {
  const lines = await readMetricsLines(path);
  const after = (l: MetricsLine): boolean => (l.type === 'epoch' ? l.epoch > position.epoch : l.step > position.step);
  const later = lines.filter(after);
  if (later.length > 0)
    await writeMetricsLines(
      path,
      lines.filter((l) => !after(l)),
    );
  return later;
}

/**
 * Reads the epoch records of `metrics.jsonl` in epoch order (settings lines are left out). A
 * missing file gives `[]`; a line cut off by a killed process is skipped; an epoch written twice
 * (by an older `ait train`, which appended) keeps its last record.
 */
export async function readRecords(path: string): Promise<EpochRecord[]> {
  const byEpoch = new Map<number, EpochRecord>();
  for (const line of await readMetricsLines(path)) {
    if (line.type === 'epoch' && typeof line.epoch === 'number') byEpoch.set(line.epoch, line);
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}
