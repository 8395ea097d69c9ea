import { rename, writeFile } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import type { EpochRecord } from './metrics-log';

const COLUMNS = ['epoch', 'step', 'loss', 'taskLoss', 'auxLoss', 'learningRate', 'testLoss', 'testAccuracy'] as const;
const TAIL = ['imagesPerSecond', 'seconds', 'time'] as const;

/**
 * The epoch records as CSV (RFC 4180, header row first): `epoch, step, loss, taskLoss, auxLoss,
 * learningRate, testLoss, testAccuracy`, then one `testAccuracy/<grouping>/<group>` column per
 * group any record has (e.g. `testAccuracy/question type/binary`), then `imagesPerSecond,
 * seconds, time`. Missing values are empty cells.
 */
export function metricsCsv(records: readonly EpochRecord[]): string {
  const groupColumns: [string, string][] = [];
  for (const r of records) {
    for (const [grouping, groups] of Object.entries(r.testGroupAccuracy ?? {})) {
      for (const group of Object.keys(groups)) {
        if (!groupColumns.some(([a, b]) => a === grouping && b === group)) groupColumns.push([grouping, group]);
      }
    }
  }
  const header = [...COLUMNS, ...groupColumns.map(([a, b]) => `testAccuracy/${a}/${b}`), ...TAIL];
  const cell = (v: unknown): string | number => (typeof v === 'number' ? (Number.isFinite(v) ? v : '') : typeof v === 'string' ? v : '');
  const rows = records.map((r) => [
    ...COLUMNS.map((c) => cell(r[c])),
    ...groupColumns.map(([a, b]) => cell(r.testGroupAccuracy?.[a]?.[b])),
    ...TAIL.map((c) => cell(r[c])),
  ]);
  return stringify([header, ...rows]);
}

/** Writes `metricsCsv(records)` to `path` atomically (a temporary file, then a rename). */
export async function writeMetricsCsv(path: string, records: readonly EpochRecord[]): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, metricsCsv(records), 'utf8');
  await rename(temp, path);
}
