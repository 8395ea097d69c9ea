/**
 * @packageDocumentation
 * `@ait/cli`: the `ait` command (train, eval, models, inspect, data generate / info) and the
 * helpers it is made of, callable in-process through {@link runCli}.
 */
import { processIo, type CliIo } from './util/cli-io';
import { runProgram } from './program';

export { buildProgram, CLI_VERSION } from './program';
export { captureIo, processIo, type CapturedIo, type CliIo } from './util/cli-io';
export { CliError } from './util/cli-error';
export { DEFAULT_DATASET, DEFAULT_MODEL, trainConfigFileSchema, type TrainCommandOptions, type TrainSummary } from './commands/train';
export type { EpochRecord } from './util/metrics-log';
export { RUN_FILES, type RunConfig } from './util/run-config';
export type { TrainingRecipe } from './util/training-recipe';

/**
 * Runs the `ait` command line in-process: `argv` without the node and script paths (e.g.
 * `['train', '--epochs', '1']`), output to `io` (default the process streams). Resolves to the
 * exit code (0 success, 1 failure, 2 usage error, 130 stopped by Ctrl-C); never calls
 * `process.exit`.
 */
export function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  return runProgram(argv, io);
}
