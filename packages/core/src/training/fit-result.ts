import type { TrainingPosition } from '../checkpoint/checkpoint-contents';
import type { EpochLogs } from './epoch-logs';

/** What {@link Trainer.fit} returns. */
export interface FitResult {
  /** Position after the last step. */
  readonly position: TrainingPosition;
  /** Logs of the epochs completed by this call. */
  readonly history: EpochLogs[];
  /** Why `fit` returned. */
  readonly reason: 'completed' | 'stop-requested' | 'max-steps';
  /** Path of the newest checkpoint written by this trainer (or resumed from), if any. */
  readonly lastCheckpoint?: string;
  /** The best epoch of the run so far, with `checkpoint.best` and an evaluation with accuracy. */
  readonly best?: BestCheckpointRecord;
}

/** The epoch with the highest evaluation accuracy so far, whose state `checkpoint.best` holds. */
export interface BestCheckpointRecord {
  /** Its evaluation accuracy. */
  readonly accuracy: number;
  /** The 0-based epoch that was evaluated. */
  readonly epoch: number;
  /** Optimiser steps done at its end. */
  readonly step: number;
  /** Where it was saved (`checkpoint.best`). */
  readonly path: string;
}
