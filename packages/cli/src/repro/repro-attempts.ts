import { existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

/**
 * The last moment a run's `metrics.jsonl` records (the newest `time` of its lines) in
 * `[since, until)` (ms since the epoch), if any.
 */
async function lastProgress(runDir: string, since: number, until: number): Promise<number | undefined> {
  const path = join(runDir, RUN_FILES.metrics);
  if (!existsSync(path)) return undefined;
  let last: number | undefined;
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue; // a line cut by the kill
    }
    const time = typeof record === 'object' && record !== null ? (record as { time?: unknown }).time : undefined;
    const t = typeof time === 'string' ? Date.parse(time) : Number.NaN;
    if (Number.isFinite(t) && t >= since && t < until && (last === undefined || t > last)) last = t;
  }
  return last;
}

/**
 * Wall-clock seconds of every run of a suite's folder `out`: the sum of its attempts' seconds in
 * `attempts.jsonl`. An attempt that was opened but never closed (its suite was killed, so it could
 * not write its time) counts from its start to the last epoch its `metrics.jsonl` records after that
 * start and before the run's next attempt started: a lower bound, and nothing when the killed
 * attempt finished no epoch. Lines cut by a
 * crash are skipped.
 */
export async function attemptSeconds(out: string): Promise<Map<string, number>> {
  const path = join(out, ATTEMPTS_FILE);
  const total = new Map<string, number>();
  if (!existsSync(path)) return total;
  const open = new Map<string, string>(); // `${run} ${startedAt}` -> run, of attempts not closed
  const starts = new Map<string, number[]>(); // every attempt's start, by run
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (line.trim() === '') continue;
    const a = parseAttemptLine(line);
    if (a === undefined) continue; // a line cut by a crash: only its seconds are lost
    const id = `${a.run} ${a.startedAt ?? ''}`;
    const start = a.startedAt === undefined ? Number.NaN : Date.parse(a.startedAt);
    if (Number.isFinite(start)) starts.set(a.run, (starts.get(a.run) ?? []).concat(start));
    if (a.seconds === undefined) {
      if (a.startedAt !== undefined) open.set(id, a.run);
      continue;
    }
    open.delete(id);
    total.set(a.run, (total.get(a.run) ?? 0) + a.seconds);
  }
  for (const [id, run] of open) {
    const started = Date.parse(id.slice(run.length + 1));
    if (!Number.isFinite(started)) continue;
    // its epochs are those before the run's next attempt started
    const until = Math.min(Infinity, ...(starts.get(run) ?? []).filter((t) => t > started));
    const last = await lastProgress(join(out, run), started, until);
    if (last !== undefined) total.set(run, (total.get(run) ?? 0) + (last - started) / 1000);
  }
  return total;
}
