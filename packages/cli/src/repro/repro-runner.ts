import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RUN_FILES, writeJsonAtomic } from '../util/run-config';
import { activeRunLockHolder, describeRunLockHolder } from '../util/run-lock';
import { reproRunPath, reproRuns, type ReproDatasetPlan, type ReproRun, type ReproSize } from './repro-plan';
import { parseResultsCsv, resultsCsv, resultsMarkdown, type ReproResult } from './repro-results';
import type { TrainLauncher } from './train-launcher';
import { hasCheckpoint, unfinishedRunState, type ReproRunState } from './repro-run-state';
import { ATTEMPTS_FILE, attemptSeconds, closeAttempt, openAttempt, parseAttemptLine } from './repro-attempts';

/** Files the suite writes into its output folder (beside `runs/` and `configs/`). */
export const REPRO_FILES = {
  /** The resolved plan (matched widths included), so that a continued suite trains the same models. */
  plan: 'plan.json',
  /** Two lines per attempt of a run, when it starts and when it ends (its seconds and exit code). */
  attempts: ATTEMPTS_FILE,
  csv: 'results.csv',
  markdown: 'results.md',
} as const;

/** A run of the resolved plan: its model config as trained, and the parameter count it was matched to. */
export interface ResolvedRun extends ReproRun {
  /** Parameters of the data set's reference model, where this model's width was matched to it. */
  readonly matchedTo?: number;
}

/** What the suite's plan file holds. */
export interface ResolvedPlan {
  readonly size: ReproSize;
  readonly runs: readonly ResolvedRun[];
}

/** Options of {@link runReproSuite}. */
export interface ReproSuiteOptions {
  /** Output folder: `plan.json`, `results.csv`, `results.md`, `runs/`, `configs/`. */
  readonly out: string;
  readonly size: ReproSize;
  readonly plans: readonly ReproDatasetPlan[];
  /**
   * The whole plan of this size, of which `plans` is a selection (default: `plans`). Its runs are
   * all rows of the results (pending until trained), and a stored run it defines differently
   * counts as pending, selected or not, so that an older plan's result is never reported as this
   * plan's.
   */
  readonly wholePlans?: readonly ReproDatasetPlan[];
  /** Fills in matched widths: called for the runs not yet in `plan.json`. */
  readonly resolve: (runs: readonly ReproRun[]) => Promise<ResolvedRun[]>;
  readonly launch: TrainLauncher;
  /** Extra `ait train` arguments for every run (e.g. `['--backend', 'cpu']`). */
  readonly trainArgs?: readonly string[];
  /** Progress lines. */
  readonly log: (line: string) => void;
  /** Whether the suite should stop before its next run (Ctrl-C). */
  readonly stopRequested?: () => boolean;
}

/** How the suite ended. */
export interface ReproSuiteOutcome {
  readonly status: 'completed' | 'stopped';
  readonly results: readonly ReproResult[];
  /** Runs that ended with an error this time (they are retried when the suite is run again). */
  readonly failed: number;
}

const key = (r: Parameters<typeof reproRunPath>[0]): string => reproRunPath(r);

async function readJson(path: string): Promise<unknown> {
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

async function writeTextAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}`;
  await writeFile(temp, text, 'utf8');
  await rename(temp, path);
}

/** The plan `out` holds (`plan.json`), or null where there is none yet. */
async function readStoredPlan(out: string): Promise<ResolvedPlan | null> {
  const path = join(out, REPRO_FILES.plan);
  return existsSync(path) ? ((await readJson(path)) as ResolvedPlan) : null;
}

/**
 * The resolved plan: what `plan.json` holds for these runs, resolving the runs it lacks. Returns
 * the selected runs and every run of the results: those the folder's plan holds (earlier
 * selections included) and those of the whole plan no selection has taken yet.
 */
async function resolvedPlan(
  options: ReproSuiteOptions,
  runs: readonly ReproRun[],
): Promise<{ selected: ResolvedRun[]; all: ResolvedRun[]; changed: ReadonlySet<string>; outdated: ReadonlySet<string> }> {
  const path = join(options.out, REPRO_FILES.plan);
  const stored = new Map<string, ResolvedRun>();
  const plan = await readStoredPlan(options.out);
  if (plan !== null) {
    if (plan.size !== options.size) {
      throw new Error(
        `${options.out} holds a ${plan.size} suite, not a ${options.size} one: choose another --out, or run it with the size it was started with.`,
      );
    }
    for (const r of plan.runs) stored.set(key(r), r);
  }
  // a stored run the current plan defines differently: refused while its folder holds training,
  // re-resolved (and its attempts forgotten) once that folder is gone
  const changed = changedRuns(stored, runs);
  // stored runs outside the selection that the whole plan defines differently: left as they are
  // until a selection takes them, but their old results are not this plan's
  const whole = reproRuns(options.wholePlans ?? options.plans);
  const outdated = new Set(changedRuns(stored, whole).map((c) => key(c.run)));
  const trained = changed.filter((c) => existsSync(join(options.out, reproRunPath(c.run))));
  if (trained.length > 0) {
    const lines = trained.map((c) => `  ${reproRunPath(c.run)}: ${c.diff.join('; ')}`);
    throw new Error(
      `${options.out} holds runs the suite's plan now defines differently (stored -> plan):\n${lines.join('\n')}\n` +
        `Their results would not be this plan's. Move those folders out of ${options.out} (to keep the old results) and run the suite again, ` +
        'or choose another --out.',
    );
  }
  for (const c of changed) {
    stored.delete(key(c.run));
    outdated.delete(key(c.run));
  }
  if (changed.length > 0) await forgetAttempts(options.out, new Set(changed.map((c) => key(c.run))));
  const missing = runs.filter((r) => !stored.has(key(r)));
  if (missing.length > 0) {
    for (const r of await options.resolve(missing)) stored.set(key(r), r);
    await writeJsonAtomic(path, { size: options.size, runs: [...stored.values()] } satisfies ResolvedPlan);
  }
  // runs of the whole plan that no selection has taken yet: pending rows, so that each cell of the
  // results says how many of its planned seeds are done
  const untaken = whole.filter((r) => !stored.has(key(r)));
  return {
    selected: runs.map((r) => stored.get(key(r)) as ResolvedRun),
    all: [...stored.values(), ...untaken],
    changed: new Set(changed.map((c) => key(c.run))),
    outdated,
  };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * How a stored run differs from the plan's run of the same folder: its preset, training settings,
 * or a model option the plan sets (options the plan leaves to the resolver, such as matched
 * widths, are not compared). Empty when they agree.
 */
export function planDifferences(stored: ResolvedRun, planned: ReproRun): string[] {
  const out: string[] = [];
  for (const field of ['preset', 'epochs', 'batchSize', 'trainSize', 'testSize'] as const) {
    if (!same(stored[field], planned[field])) out.push(`${field} ${JSON.stringify(stored[field])} -> ${JSON.stringify(planned[field])}`);
  }
  for (const [option, value] of Object.entries(planned.modelConfig)) {
    const was = stored.modelConfig[option];
    if (!same(was, value))
      out.push(`modelConfig.${option} ${was === undefined ? '(unset)' : JSON.stringify(was)} -> ${JSON.stringify(value)}`);
  }
  return out;
}

/** The runs a stored plan (by run key) defines differently from the current one, with how. */
function changedRuns(stored: ReadonlyMap<string, ResolvedRun>, runs: readonly ReproRun[]): { run: ReproRun; diff: string[] }[] {
  return runs.flatMap((r) => {
    const s = stored.get(key(r));
    const diff = s === undefined ? [] : planDifferences(s, r);
    return diff.length > 0 ? [{ run: r, diff }] : [];
  });
}

/** Drops the attempts of some runs from `attempts.jsonl` (their folders are gone). */
async function forgetAttempts(out: string, runs: ReadonlySet<string>): Promise<void> {
  const path = join(out, REPRO_FILES.attempts);
  if (!existsSync(path)) return;
  const lines = (await readFile(path, 'utf8')).split('\n').filter((line) => {
    if (line.trim() === '') return false;
    const attempt = parseAttemptLine(line);
    return attempt === undefined || !runs.has(attempt.run);
  });
  await writeTextAtomic(path, lines.map((l) => `${l}\n`).join(''));
}

/** The `ait train` config file of a run (model, data, recipe and seed: everything that defines it). */
export function trainConfigOf(run: ResolvedRun): Record<string, unknown> {
  return {
    model: run.preset,
    dataset: run.dataset,
    epochs: run.epochs,
    batchSize: run.batchSize,
    seed: run.seed,
    ...(run.trainSize !== undefined ? { trainSize: run.trainSize } : {}),
    ...(run.testSize !== undefined ? { testSize: run.testSize } : {}),
    modelConfig: run.modelConfig,
  };
}

interface SummaryFields {
  status?: string;
  epochs?: number;
  finalAccuracy?: number | null;
  bestAccuracy?: number | null;
  parameters?: { total?: number };
  finalGroupAccuracy?: Record<string, Record<string, number | null>> | null;
}

/** `{ "question type": { binary: 0.7 } }` as `{ "question type/binary": 0.7 }` (groups without examples left out). */
function flatGroups(groups: SummaryFields['finalGroupAccuracy']): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [grouping, entries] of Object.entries(groups ?? {})) {
    for (const [group, accuracy] of Object.entries(entries)) if (accuracy !== null) out[`${grouping}/${group}`] = accuracy;
  }
  return out;
}

/**
 * Completed rows of the folder's `results.csv`, by run folder: what a copy of a suite's results
 * without its run folders (such as the repository's `results/repro/`) holds. Runs whose folder is
 * absent count as these rows, so that such a copy continues with the runs it lacks.
 */
async function carriedResults(out: string, except: ReadonlySet<string> = new Set()): Promise<Map<string, ReproResult>> {
  const path = join(out, REPRO_FILES.csv);
  const carried = new Map<string, ReproResult>();
  if (!existsSync(path)) return carried;
  let rows: ReproResult[];
  try {
    rows = parseResultsCsv(await readFile(path, 'utf8'), path);
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\nMove it out of ${out}: the suite writes it anew from the run folders (rows without a run folder are then trained again).`,
    );
  }
  for (const r of rows) {
    const k = key({ dataset: r.dataset, label: r.model, seed: r.seed });
    if (r.status === 'completed' && !except.has(k)) carried.set(k, r);
  }
  return carried;
}

/**
 * Reads a run's result from its folder (`summary.json`); where the folder is absent, the carried
 * row of `results.csv` (see {@link carriedResults}); otherwise a `pending` row.
 */
async function resultOf(
  out: string,
  run: ResolvedRun,
  seconds: number,
  failed: boolean,
  carried: ReadonlyMap<string, ReproResult>,
): Promise<ReproResult> {
  const path = join(out, reproRunPath(run), RUN_FILES.summary);
  const row = carried.get(key(run));
  if (row !== undefined && !existsSync(join(out, reproRunPath(run)))) return row;
  const s: SummaryFields = existsSync(path) ? ((await readJson(path)) as SummaryFields) : {};
  return rowOf(run, s, seconds, failed);
}

/** A row of the results from a run's summary fields (none: a pending row). */
function rowOf(run: ResolvedRun, s: SummaryFields, seconds: number, failed: boolean): ReproResult {
  return {
    dataset: run.dataset,
    model: run.label,
    preset: run.preset,
    parameters: s.parameters?.total ?? null,
    seed: run.seed,
    epochs: s.epochs ?? 0,
    seconds,
    testAccuracy: s.finalAccuracy ?? null,
    bestAccuracy: s.bestAccuracy ?? null,
    typeAccuracy: flatGroups(s.finalGroupAccuracy),
    status: s.status === 'completed' ? 'completed' : failed ? 'failed' : (s.status ?? 'pending'),
  };
}

export type { ReproRunState } from './repro-run-state';

/**
 * Where each run stands in `out` ({@link ReproRunState}; completed also for a carried row of
 * `results.csv`, to train also for a row of an older plan; the suite refuses a plan changed run
 * until it is moved out), with the completed results and their wall-clock seconds
 * (from `attempts.jsonl`, or the carried row), for `ait repro --dry-run`. `whole` is the whole plan
 * (`runs` among its runs): no stored run it defines differently counts as completed.
 */
export async function reproRunStates(
  out: string,
  runs: readonly ReproRun[],
  whole: readonly ReproRun[] = runs,
): Promise<{ states: ReproRunState[]; completed: ReproResult[] }> {
  const stored = new Map((await readStoredPlan(out))?.runs.map((r) => [key(r), r]));
  const changed = new Set(changedRuns(stored, whole).map((c) => key(c.run)));
  const carried = await carriedResults(out, changed);
  const seconds = await attemptSeconds(out);
  const states: ReproRunState[] = [];
  const completed: ReproResult[] = [...carried.values()];
  for (const run of runs) {
    if (changed.has(key(run))) {
      states.push(existsSync(join(out, reproRunPath(run))) ? 'plan changed' : 'to train');
      continue;
    }
    const result = await resultOf(out, run, seconds.get(key(run)) ?? 0, false, carried);
    if (result.status === 'completed') {
      states.push('completed');
      if (!carried.has(key(run))) completed.push(result);
    } else states.push(await unfinishedRunState(join(out, reproRunPath(run))));
  }
  return { states, completed };
}

/**
 * Runs the reproduction suite: every run of the plan not yet completed in `out` is trained with
 * `ait train` (a run with checkpoints continues with `--resume`), and after each run
 * `results.csv` and `results.md` are written anew from every run's `summary.json`. Interrupting
 * and running the suite again with the same options continues where it stopped; completed runs
 * are never trained again, nor are the completed rows of a `results.csv` whose run folders are
 * absent (a copy of the results alone continues with the runs it lacks). A run that fails is
 * reported and the suite goes on with the next one; a run another live `ait train` holds the lock
 * of (a second suite on the same folder) is skipped with a message.
 */
export async function runReproSuite(options: ReproSuiteOptions): Promise<ReproSuiteOutcome> {
  const { out, log } = options;
  await mkdir(out, { recursive: true });
  const { selected: runs, all, changed, outdated } = await resolvedPlan(options, reproRuns(options.plans));
  const carried = await carriedResults(out, new Set([...changed, ...outdated]));
  const failedNow = new Set<string>();

  const writeResults = async (): Promise<ReproResult[]> => {
    const seconds = await attemptSeconds(out);
    // every run of the whole plan and of the folder's (earlier selections keep their rows; runs
    // not yet taken are pending), an outdated one pending whatever its folder holds
    const results = await Promise.all(
      all.map((r) =>
        outdated.has(key(r)) ? rowOf(r, {}, 0, false) : resultOf(out, r, seconds.get(key(r)) ?? 0, failedNow.has(key(r)), carried),
      ),
    );
    await writeTextAtomic(join(out, REPRO_FILES.csv), resultsCsv(results));
    await writeTextAtomic(join(out, REPRO_FILES.markdown), resultsMarkdown(results));
    return results;
  };

  let stopped = false;
  for (const [i, run] of runs.entries()) {
    const runDir = join(out, reproRunPath(run));
    const done = (await resultOf(out, run, 0, false, carried)).status === 'completed';
    const name = `[${i + 1}/${runs.length}] ${run.dataset} ${run.label} seed ${run.seed}`;
    if (done) continue;
    if (options.stopRequested?.()) {
      stopped = true;
      break;
    }
    const holder = await activeRunLockHolder(runDir);
    if (holder !== undefined) {
      log(`${name}: skipped: ${describeRunLockHolder(holder)} is training it`);
      continue;
    }
    let args: string[];
    if (await hasCheckpoint(runDir)) {
      args = ['--resume', runDir];
      log(`${name}: continuing from its checkpoint`);
    } else {
      const configPath = join(out, 'configs', `${reproRunPath(run).replace(/^runs\//, '')}.json`);
      await mkdir(dirname(configPath), { recursive: true });
      await writeJsonAtomic(configPath, trainConfigOf(run));
      args = ['--config', configPath, '--out', runDir];
      log(
        `${name}: training${run.matchedTo !== undefined ? ` (width matched to ${run.matchedTo.toLocaleString('en-US')} parameters)` : ''}`,
      );
    }
    const startedAt = new Date();
    await openAttempt(out, key(run), startedAt);
    const started = performance.now();
    let code: number;
    try {
      code = await options.launch([...args, '--quiet', ...(options.trainArgs ?? [])]);
    } catch (err) {
      log(`${name}: could not start: ${(err as Error).message}`);
      code = 1;
    }
    const seconds = (performance.now() - started) / 1000;
    await closeAttempt(out, key(run), startedAt, seconds, code);
    const result = await resultOf(out, run, seconds, false, carried);
    if (code === 130) {
      stopped = true;
      log(`${name}: stopped (checkpoint saved)`);
      break;
    }
    if (code !== 0 || result.status !== 'completed') {
      failedNow.add(key(run));
      log(`${name}: failed (exit code ${code}); see ${runDir}. Running the suite again retries it.`);
    } else {
      const acc = result.testAccuracy === null ? '-' : `${(100 * result.testAccuracy).toFixed(2)} %`;
      log(`${name}: ${acc} test accuracy in ${(seconds / 60).toFixed(1)} min`);
    }
    await writeResults();
    if (options.stopRequested?.()) {
      stopped = true;
      break;
    }
  }
  const results = await writeResults();
  return { status: stopped ? 'stopped' : 'completed', results, failed: failedNow.size };
}
