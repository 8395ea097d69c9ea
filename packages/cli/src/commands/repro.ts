import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { initBackend, type BackendChoice } from '@ait/core';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { formatTable, printJson } from '../util/output';
import { reproPlan, reproRunPath, reproRuns, type ReproRun, type ReproSize } from '../repro/repro-plan';
import { estimateRuns, formatDuration } from '../repro/repro-estimate';
import { parseResultsCsv, type ReproResult } from '../repro/repro-results';
import { REPRO_FILES, reproRunStates, runReproSuite, type ReproSuiteOutcome } from '../repro/repro-runner';
import { resolveMatchedWidths } from '../repro/resolve-runs';
import { processTrainLauncher, type TrainLauncher } from '../repro/train-launcher';

/** Options of `ait repro`. */
export interface ReproCommandOptions {
  /** The minutes-long check instead of the full suite. */
  quick?: boolean;
  /** Output folder (default `repro/full` or `repro/quick`). */
  out?: string;
  /** Only these data sets. */
  datasets?: string[];
  /** Only these models (labels; `<label>/*` selects the ablations of a model). */
  models?: string[];
  /** At most this many seeds per model. */
  seeds?: number;
  /** List the runs, where each stands in the output folder and how long the rest takes; train nothing. */
  dryRun?: boolean;
  /** With `dryRun`: another suite's `results.csv` whose run times the estimate uses too. */
  timings?: string;
  backend?: BackendChoice;
  threads?: number;
  json?: boolean;
  /** Runs `ait train` (tests pass an in-process launcher); default: a child process per run. */
  launch?: TrainLauncher;
}

/**
 * `ait repro`: trains the reproduction suite (AiT with conv and patch tokenizers, ViT and
 * Coordination at matched parameter counts, and AiT's ablations, on Triangle, Sort-of-CLEVR,
 * MNIST and Fashion-MNIST, several seeds each) and writes `results.csv` and `results.md` into
 * the output folder. Running it again continues an interrupted suite. Returns the exit code.
 */
export async function reproCommand(options: ReproCommandOptions, io: CliIo): Promise<number> {
  const size: ReproSize = options.quick === true ? 'quick' : 'full';
  const out = resolve(options.out ?? `repro/${size}`);
  let plans;
  try {
    plans = reproPlan(size, {
      ...(options.datasets ? { datasets: options.datasets } : {}),
      ...(options.models ? { models: options.models } : {}),
      ...(options.seeds !== undefined ? { maxSeeds: options.seeds } : {}),
    });
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const runs = reproRuns(plans);
  // the whole plan: each of its runs is a row of the results (pending until a selection trains it),
  // and no stored run it defines differently is reported as completed, selected or not
  const wholePlans = reproPlan(size);
  if (options.dryRun === true) return dryRun(options, out, size, runs, reproRuns(wholePlans), io);
  await initBackend({ backend: 'cpu' });
  const trainArgs = [
    ...(options.backend !== undefined ? ['--backend', options.backend] : []),
    ...(options.threads !== undefined ? ['--threads', String(options.threads)] : []),
  ];
  const child = options.launch === undefined ? processTrainLauncher() : undefined;
  let stops = 0;
  const onSigint = (): void => {
    stops += 1;
    io.stderr(
      stops === 1
        ? 'Stopping: the current run saves a checkpoint, then the suite ends (Ctrl-C again: at once). Run the same command to continue.\n'
        : '',
    );
    child?.interrupt();
  };
  const signals = io.handleSignals !== false;
  if (signals) process.on('SIGINT', onSigint);
  let outcome: ReproSuiteOutcome;
  try {
    outcome = await runReproSuite({
      out,
      size,
      plans,
      wholePlans,
      resolve: (missing) => resolveMatchedWidths(plans, missing),
      launch: options.launch ?? (child as NonNullable<typeof child>).launch,
      trainArgs,
      log: (line) => {
        if (options.json !== true) io.stderr(`${line}\n`);
      },
      stopRequested: () => stops > 0,
    });
  } finally {
    if (signals) process.off('SIGINT', onSigint);
  }
  if (options.json === true) {
    printJson(io, { command: 'repro', size, out, status: outcome.status, failed: outcome.failed, results: outcome.results });
  } else {
    const done = outcome.results.filter((r) => r.status === 'completed').length;
    io.stdout(
      `Suite ${outcome.status}: ${done} of ${outcome.results.length} runs completed` +
        `${outcome.failed > 0 ? `, ${outcome.failed} failed` : ''}.\n` +
        `  results  ${resolve(out, REPRO_FILES.markdown)} and ${REPRO_FILES.csv}\n` +
        (outcome.status === 'stopped' || outcome.failed > 0 ? '  Run the same command again to continue.\n' : ''),
    );
  }
  return outcome.status === 'stopped' ? 130 : outcome.failed > 0 ? 1 : 0;
}

/** Reads `--timings`: a results CSV of another suite; a missing or corrupt file is a usage error naming it. */
async function readTimings(path: string | undefined): Promise<ReproResult[]> {
  if (path === undefined) return [];
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(
      `--timings ${path}: cannot read it (${(err as Error).message}); give the path of a results.csv that ait repro wrote.`,
      2,
    );
  }
  try {
    return parseResultsCsv(text, path);
  } catch (err) {
    throw new CliError(`--timings: ${(err as Error).message}`, 2);
  }
}

/**
 * `ait repro --dry-run`: lists the runs with where each stands in the output folder, and estimates
 * the runs still to train from the wall-clock times of completed runs (the folder's and `--timings`').
 */
async function dryRun(
  options: ReproCommandOptions,
  out: string,
  size: ReproSize,
  runs: readonly ReproRun[],
  whole: readonly ReproRun[],
  io: CliIo,
): Promise<number> {
  const timings = await readTimings(options.timings);
  let states;
  try {
    states = await reproRunStates(out, runs, whole);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const estimates = estimateRuns(runs, [...states.completed, ...timings]);
  const left = runs.map((_, i) => i).filter((i) => states.states[i] !== 'completed');
  const seconds = left.reduce((s, i) => s + (estimates[i]?.seconds ?? 0), 0);
  const untimed = left.filter((i) => estimates[i]?.seconds === null).length;
  const byPreset = left.filter((i) => estimates[i]?.basis === 'preset').length;
  const training = left.filter((i) => states.states[i] === 'training now').length;
  if (options.json === true) {
    printJson(io, {
      size,
      out,
      runs: runs.map((r, i) => ({
        ...r,
        folder: reproRunPath(r),
        state: states.states[i],
        estimatedSeconds: estimates[i]?.seconds ?? null,
      })),
      toTrain: left.length,
      estimatedSeconds: seconds,
      untimed,
    });
    return 0;
  }
  const rows = runs.map((r, i) => {
    const e = estimates[i];
    const minutes =
      states.states[i] === 'completed' || e?.seconds == null ? '-' : `${(e.seconds / 60).toFixed(0)}${e.basis === 'preset' ? '*' : ''}`;
    return [r.dataset, r.label, r.preset, r.seed, r.epochs, r.trainSize ?? 'all', states.states[i] ?? '', minutes, reproRunPath(r)];
  });
  const notes = [
    `${runs.length} runs into ${out}: ${runs.length - left.length} completed, ${left.length} to train` +
      `${training > 0 ? ` (${training} of them training now)` : ''}.`,
    left.length === 0
      ? ''
      : left.length === untimed
        ? 'No completed run to estimate their time from: pass --timings <results.csv> of a suite run on a similar machine.'
        : `About ${formatDuration(seconds)} of training for those timed (the median time of completed runs of the same model and data set` +
          `${byPreset > 0 ? `; * ${byPreset} timed as runs of the same preset` : ''})` +
          `${untimed > 0 ? `; ${untimed} without a time to go by` : ''}.`,
  ].filter((l) => l !== '');
  io.stdout(
    `${formatTable(['data set', 'model', 'preset', 'seed', 'epochs', 'train', 'state', 'min', 'folder'], rows)}\n${notes.join('\n')}\n`,
  );
  return 0;
}
