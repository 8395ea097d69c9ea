import { appendFile, readFile } from 'node:fs/promises';

/** One line of `metrics.jsonl`: the metrics of a finished epoch. */
export interface EpochRecord {
  readonly type: 'epoch';
  /** 1-based epoch number. */
  readonly epoch: number;
  /** Optimiser steps done in the whole run at the end of the epoch. */
  readonly step: number;
  /** Mean training loss (task + auxiliary) of the epoch. */
  readonly loss: number;
  /** Mean task (cross-entropy) loss of the epoch. */
  readonly taskLoss: number;
  /** Mean auxiliary loss (AiT's balance loss) of the epoch. */
  readonly auxLoss: number;
  /** Learning rate of the epoch's last step. */
  readonly learningRate: number;
  /** Test loss after the epoch, if evaluated. */
  readonly testLoss: number | null;
  /** Test accuracy after the epoch, if evaluated. */
  readonly testAccuracy: number | null;
  /** Training images per second during the epoch (this process only). */
  readonly imagesPerSecond: number;
  /** Seconds the epoch took in this process (training and evaluation). */
  readonly seconds: number;
  /** ISO-8601 time the line was written. */
  readonly time: string;
}

/** Appends one record as a JSON line to `path`. */
export async function appendRecord(path: string, record: EpochRecord): Promise<void> {
  await appendFile(path, `${JSON.stringify(record)}\n`, 'utf8');
}

/**
 * Reads `metrics.jsonl`: epoch records in epoch order. A missing file gives `[]`; a line cut off
 * by a killed process is skipped; an epoch written twice (trained again after a resume) keeps its
 * last record.
 */
export async function readRecords(path: string): Promise<EpochRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const byEpoch = new Map<number, EpochRecord>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      continue;
    }
    const r = value as Partial<EpochRecord>;
    if (r.type === 'epoch' && typeof r.epoch === 'number') byEpoch.set(r.epoch, r as EpochRecord);
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}
