import { basename } from 'node:path';
import { CheckpointError, listCheckpoints, type Trainer, type TrainingPosition } from '@ait/core';
import { checkpointProblem, DAMAGED_CHECKPOINT_KINDS } from './checkpoint-problem';
import { CliError } from './cli-error';

/** A checkpoint `ait train --resume` passed over, and why. */
export interface SkippedCheckpoint {
  readonly path: string;
  readonly reason: string;
}

/** Where {@link resumeTrainer} resumed from. */
export interface ResumedCheckpoint {
  readonly path: string;
  readonly position: TrainingPosition;
  /** Newer checkpoints that did not verify, newest first. */
  readonly skipped: readonly SkippedCheckpoint[];
  /** Every checkpoint of the folder that sorts after `path` (damaged or not), oldest first. */
  readonly newer: readonly string[];
}

function unusable(err: unknown): err is CheckpointError {
  return err instanceof CheckpointError && DAMAGED_CHECKPOINT_KINDS.has(err.kind);
}

/**
 * Restores `trainer` from a checkpoint of `checkpointDir`: the file `chosen` when given (a
 * damaged one is an error naming the other checkpoints), otherwise the newest checkpoint that
 * verifies, passing over damaged newer ones (truncated, failed checksum, unreadable, ...) and
 * reporting them in `skipped`. A checkpoint that does not fit the model (not damaged, a different
 * run) stops the search. Throws a {@link CliError} when nothing can be resumed, naming each file
 * and what is wrong with it.
 */
export async function resumeTrainer(trainer: Trainer, checkpointDir: string, dir: string, chosen?: string): Promise<ResumedCheckpoint> {
  const all = (await listCheckpoints(checkpointDir)).map((e) => e.path);
  const others = (except: string): string => {
    const rest = all.filter((p) => p !== except).map((p) => basename(p));
    return rest.length > 0 ? `The run's other checkpoints: ${rest.join(', ')} (in ${checkpointDir}).` : 'The run has no other checkpoint.';
  };
  const newerThan = (path: string): string[] => {
    const i = all.indexOf(path);
    return i < 0 ? [] : all.slice(i + 1);
  };
  if (chosen !== undefined) {
    try {
      const position = await trainer.resume(chosen);
      return { path: chosen, position, skipped: [], newer: newerThan(chosen) };
    } catch (err) {
      if (!(err instanceof CheckpointError)) throw err;
      throw new CliError(
        `Cannot resume from ${chosen}: ${checkpointProblem(err)}. ${others(chosen)} Give another one to --resume, ` +
          `or \`--resume ${dir}\` to continue from the newest that verifies.`,
        1,
        { cause: err },
      );
    }
  }
  if (all.length === 0) {
    throw new CliError(`${dir} holds no checkpoint to resume from; start a new run with \`ait train --out ${dir}\`.`, 2);
  }
  const skipped: SkippedCheckpoint[] = [];
  for (const path of [...all].reverse()) {
    try {
      const position = await trainer.resume(path);
      return { path, position, skipped, newer: newerThan(path) };
    } catch (err) {
      if (!unusable(err)) {
        if (err instanceof CheckpointError) throw new CliError(`Cannot resume from ${path}: ${checkpointProblem(err)}`, 1, { cause: err });
        throw err;
      }
      skipped.push({ path, reason: checkpointProblem(err) });
    }
  }
  throw new CliError(
    `None of the ${all.length} checkpoints of ${dir} can be used: ${skipped.map((s) => `${basename(s.path)}: ${s.reason}`).join('; ')}. ` +
      `Nothing is left to resume; start the run again with \`ait train --out <new folder>\` and the settings in ${dir}/run.json.`,
    1,
  );
}
