import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readRecords } from '../util/metrics-log';
import { RUN_FILES } from '../util/run-config';

/** The file of a suite's folder with one line per attempt of a run (see {@link attemptSeconds}). */
export const ATTEMPTS_FILE = 'attempts.jsonl';

/**
 * A line of `attempts.jsonl`. An attempt writes two: `{run, startedAt}` when it starts and
 * `{run, startedAt, seconds, code}` when it ends. Lines of suites before 2026-12-07 have only
 * `{run, seconds, code}`.
 */
export interface AttemptLine {
  /** The run's folder under the suite's folder (`runs/<dataset>/<model>/seed-<n>`). */
  readonly run: string;
  /** When the attempt started (ISO 8601). */
  readonly startedAt?: string;
  /** Wall-clock seconds of the attempt; absent on the line that opens it. */
  readonly seconds?: number;
  /** Exit code of `ait train` (130: stopped with Ctrl-C); absent on the line that opens it. */
  readonly code?: number;
}

/** Parses one line of `attempts.jsonl`; `undefined` for a line cut by a crash or not an attempt. */
export function parseAttemptLine(line: string): AttemptLine | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const a = value as Record<string, unknown>;
  if (typeof a.run !== 'string') return undefined;
  return {
    run: a.run,
    ...(typeof a.startedAt === 'string' ? { startedAt: a.startedAt } : {}),
    ...(typeof a.seconds === 'number' ? { seconds: a.seconds } : {}),
    ...(typeof a.code === 'number' ? { code: a.code } : {}),
  };
}

/** Appends the line that opens an attempt of `run` (started at `startedAt`) to the suite's `attempts.jsonl`. */
export async function openAttempt(out: string, run: string, startedAt: Date): Promise<void> {
  const line: AttemptLine = { run, startedAt: startedAt.toISOString() };
  await appendFile(join(out, ATTEMPTS_FILE), `${JSON.stringify(line)}\n`);
}

/** Appends the line that closes the attempt opened at `startedAt`: its wall-clock `seconds` and exit `code`. */
export async function closeAttempt(out: string, run: string, startedAt: Date, seconds: number, code: number): Promise<void> {
  const line: AttemptLine = { run, startedAt: startedAt.toISOString(), seconds, code };
  await appendFile(join(out, ATTEMPTS_FILE), `${JSON.stringify(line)}\n`);
}

/** The time of the run's newest epoch record in `[since, until)` (ms since the epoch), if any. */
async function lastEpochTime(runDir: string, since: number, until: number): Promise<number | undefined> {
  const times = (await readRecords(join(runDir, RUN_FILES.metrics))).map((r) => Date.parse(r.time)).filter((t) => t >= since && t < until);
  return times.length > 0 ? Math.max(...times) : undefined;
}

/**
 * Wall-clock seconds of every run of a suite's folder `out`: the sum of its attempts' seconds in
 * `attempts.jsonl`. An attempt that was opened but never closed (its suite was killed, so it could
 * not write its time) counts from its start to the last epoch its `metrics.jsonl` records after that
 * start and before the run's next attempt started: a lower bound, and nothing when the killed
 * attempt finished no epoch. Lines cut by a crash are skipped.
 */
export async function attemptSeconds(out: string): Promise<Map<string, number>> {
  const path = join(out, ATTEMPTS_FILE);
  const total = new Map<string, number>();
  if (!existsSync(path)) return total;
  const open = new Map<string, { run: string; started: number }>(); // attempts not closed, by `${run} ${startedAt}`
  const starts = new Map<string, number[]>(); // every attempt's start, by run
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    const a = parseAttemptLine(line);
    if (a === undefined) continue; // a line cut by a crash: only its seconds are lost
    const id = `${a.run} ${a.startedAt ?? ''}`;
    const started = a.startedAt === undefined ? Number.NaN : Date.parse(a.startedAt);
    if (Number.isFinite(started)) starts.set(a.run, (starts.get(a.run) ?? []).concat(started));
    if (a.seconds !== undefined) {
      open.delete(id);
      total.set(a.run, (total.get(a.run) ?? 0) + a.seconds);
    } else if (Number.isFinite(started)) open.set(id, { run: a.run, started });
  }
  for (const { run, started } of open.values()) {
    // its epochs are those before the run's next attempt started
    const until = Math.min(Infinity, ...(starts.get(run) ?? []).filter((t) => t > started));
    const last = await lastEpochTime(join(out, run), started, until);
    if (last !== undefined) total.set(run, (total.get(run) ?? 0) + (last - started) / 1000);
  }
  return total;
}
