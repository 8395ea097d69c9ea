import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AsyncRandomAccessDataset, type RandomAccessDataset } from '../dataset/dataset';
import { type SortOfClevrExtra } from './sort-of-clevr-dataset';
import { openSortOfClevrSet } from './sort-of-clevr-files';
import { MANIFEST_FILE } from './synthetic-manifest';
import { readManifest } from './synthetic-manifest-file';
import { type TriangleScene } from './triangle';
import { openTriangleSet } from './triangle-files';

/** A written synthetic set of either task, opened in memory or on disk. */
export type OpenedSyntheticSet =
  | RandomAccessDataset<TriangleScene>
  | AsyncRandomAccessDataset<TriangleScene>
  | RandomAccessDataset<SortOfClevrExtra>
  | AsyncRandomAccessDataset<SortOfClevrExtra>;

/**
 * Opens a synthetic set written by `writeTriangleSet` or `writeSortOfClevrSet`, choosing the
 * reader from the task named in its `manifest.json`.
 */
export async function openSyntheticSet(dir: string, options: { mode?: 'memory' | 'disk' } = {}): Promise<OpenedSyntheticSet> {
  let task: unknown;
  try {
    task = (JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as { task?: unknown }).task;
  } catch {
    task = undefined;
  }
  if (task === 'sort-of-clevr') return openSortOfClevrSet(dir, options);
  if (task === 'triangle') return openTriangleSet(dir, options);
  // Let the manifest reader say what is wrong (missing, not JSON, bad fields).
  await readManifest(dir, 'triangle', 'writeTriangleSet or writeSortOfClevrSet');
  throw new Error(`${join(dir, MANIFEST_FILE)}: unknown task ${String(task)}.`);
}
