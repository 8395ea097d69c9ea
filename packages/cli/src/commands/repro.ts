import { resolve } from 'node:path';
import { initBackend, type BackendChoice } from '@ait/core';
import { CliError } from '../util/cli-error';
import type { CliIo } from '../util/cli-io';
import { formatTable, printJson } from '../util/output';
import { reproPlan, reproRunPath, reproRuns, type ReproSize } from '../repro/repro-plan';
import { REPRO_FILES, runReproSuite, type ReproSuiteOutcome } from '../repro/repro-runner';
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
  /** List the runs and stop. */
  dryRun?: boolean;
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
  if (options.dryRun === true) {
    const rows = runs.map((r) => [r.dataset, r.label, r.preset, r.seed, r.epochs, r.trainSize ?? 'all', reproRunPath(r)]);
    if (options.json === true) printJson(io, { size, out, runs });
    else
      io.stdout(
        `${formatTable(['data set', 'model', 'preset', 'seed', 'epochs', 'train', 'folder'], rows)}\n${runs.length} runs into ${out}\n`,
      );
    return 0;
  }
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
