import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { CliError } from './cli-error';
import { RUN_FILES } from './run-config';

/** What `ait train --resume <target>` continues: a run directory, and optionally one of its checkpoints. */
export interface ResumeTarget {
  /** The run directory (holding `run.json` and `checkpoints/`). */
  readonly dir: string;
  /** The checkpoint file given, or `undefined` for the newest checkpoint that verifies. */
  readonly checkpoint: string | undefined;
}

/**
 * Reads the `--resume` argument: a run directory, or a checkpoint file inside its `checkpoints/`
 * folder (`runs/x/checkpoints/ckpt-s000000300-e00002.ckpt`), whose run directory is then the
 * folder above. Anything else is a usage error (exit 2) saying what to give.
 */
export function resumeTarget(value: string): ResumeTarget {
  const path = resolve(value);
  if (!existsSync(path)) {
    throw new CliError(
      `--resume ${value} does not exist; give a run directory (the --out of an earlier \`ait train\`) or a checkpoint file in its ${RUN_FILES.checkpoints}/ folder.`,
      2,
    );
  }
  if (statSync(path).isDirectory()) return { dir: path, checkpoint: undefined };
  const folder = dirname(path);
  const dir = dirname(folder);
  if (basename(folder) !== RUN_FILES.checkpoints || !existsSync(join(dir, RUN_FILES.config))) {
    throw new CliError(
      `--resume ${value} is a file, but not a checkpoint in the ${RUN_FILES.checkpoints}/ folder of a run directory (next to its ${RUN_FILES.config}); ` +
        `give the run directory, or one of the .ckpt files \`ait train\` wrote into <run>/${RUN_FILES.checkpoints}/.`,
      2,
    );
  }
  return { dir, checkpoint: path };
}
