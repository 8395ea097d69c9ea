import type { BestCheckpointRecord } from './trainer-options';

/** The best's record as stored in a checkpoint (`metadata.trainer.best`): the path is the trainer's option. */
export type StoredBestRecord = Omit<BestCheckpointRecord, 'path'>;

/**
 * Whether an epoch evaluated at `accuracy` becomes the new best: a finite accuracy strictly above
 * the best so far (the first such epoch, when there is none yet). Ties keep the earlier epoch.
 */
export function beatsBest(accuracy: number | null | undefined, best: StoredBestRecord | undefined): accuracy is number {
  if (accuracy === null || accuracy === undefined || !Number.isFinite(accuracy)) return false;
  return best === undefined || accuracy > best.accuracy;
}

/** The record to store in a checkpoint (without the path, which belongs to the trainer's options). */
export function storedBestRecord(best: BestCheckpointRecord | undefined): { best?: StoredBestRecord } {
  return best ? { best: { accuracy: best.accuracy, epoch: best.epoch, step: best.step } } : {};
}
