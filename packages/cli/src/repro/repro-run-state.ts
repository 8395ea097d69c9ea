import { join } from 'node:path';
import { latestCheckpoint } from '@ait/core';
import { RUN_FILES } from '../util/run-config';
import { activeRunLockHolder } from '../util/run-lock';

/**
 * Where a run of the plan stands in an output folder: completed; training now (an `ait train`
 * that still runs holds its folder's lock, for example a suite started in another terminal);
 * continues (its folder holds a checkpoint); to train (nothing to continue from); plan changed (its
 * folder holds a run `plan.json` defines differently).
 */
export type ReproRunState = 'completed' | 'training now' | 'continues' | 'to train' | 'plan changed';

/** Whether a run folder holds a checkpoint to continue from: a run killed before its first one starts anew. */
export async function hasCheckpoint(runDir: string): Promise<boolean> {
  return (await latestCheckpoint(join(runDir, RUN_FILES.checkpoints))) !== undefined;
}

/** Where a run folder the suite has not completed stands: training now, continues or to train. */
export async function unfinishedRunState(runDir: string): Promise<ReproRunState> {
  if ((await activeRunLockHolder(runDir)) !== undefined) return 'training now';
  return (await hasCheckpoint(runDir)) ? 'continues' : 'to train';
}
