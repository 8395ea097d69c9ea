import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { processRuns } from './run-lock';

/** A temporary file of an atomic write of `ait train` (run.json, metrics.jsonl, metrics.csv, summary.json): `<name>.tmp-<pid>`. */
const TEMPORARY = /\.tmp-(\d+)$/;

/**
 * Deletes the temporary files that an `ait train` killed during an atomic write of a run-folder
 * file left in `dir` (`<name>.tmp-<pid>`, written before the rename over `<name>`), and returns
 * their paths. A file of a process that still runs is kept. Call it while holding the run lock;
 * the checkpoint store cleans its own temporary files in `checkpoints/`.
 */
export async function removeStaleRunTemporaries(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const pid = Number(TEMPORARY.exec(name)?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || processRuns(pid)) continue;
    const path = join(dir, name);
    await unlink(path).then(
      () => void removed.push(path),
      () => undefined,
    );
  }
  return removed;
}
