import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Runs `ait train` with the given arguments and resolves to its exit code (130: stopped by Ctrl-C). */
export type TrainLauncher = (args: readonly string[]) => Promise<number>;

/** A launcher that can also pass an interrupt on to the run in progress. */
export interface ProcessTrainLauncher {
  readonly launch: TrainLauncher;
  /** Sends SIGINT to the run in progress, if any: it stops after its step and saves a checkpoint (twice: at once). */
  interrupt(): void;
}

/** The built `ait` executable next to this bundle (`dist/cli.js`). */
function cliEntry(): string {
  const path = fileURLToPath(new URL('./cli.js', import.meta.url));
  if (!existsSync(path)) {
    throw new Error(
      `The reproduction suite starts each run as \`node ${path} train ...\`, and that file is missing: build @ait/cli first.`,
    );
  }
  return path;
}

/**
 * A launcher that starts every run as its own Node process (`node dist/cli.js train ... --quiet`),
 * so that a run that crashes or runs out of memory ends only that run. The child gets its own
 * process group: a Ctrl-C in the terminal reaches the suite, which passes it on once through
 * {@link ProcessTrainLauncher.interrupt}. The child's stderr (warnings, errors) is passed through.
 */
export function processTrainLauncher(): ProcessTrainLauncher {
  let child: ChildProcess | undefined;
  return {
    launch: (args) =>
      new Promise<number>((resolvePromise, reject) => {
        child = spawn(process.execPath, [cliEntry(), 'train', ...args], { stdio: ['ignore', 'ignore', 'inherit'], detached: true });
        child.once('error', (err) => {
          child = undefined;
          reject(err);
        });
        child.once('exit', (code, signal) => {
          child = undefined;
          resolvePromise(code ?? (signal === 'SIGINT' ? 130 : 1));
        });
      }),
    interrupt: () => {
      child?.kill('SIGINT');
    },
  };
}
