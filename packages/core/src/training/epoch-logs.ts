import type { EvalMetrics } from './evaluate';

/** Summary of one finished epoch, given to {@link TrainerCallbacks.onEpochEnd}. */
export interface EpochLogs {
  /** 0-based epoch. */
  readonly epoch: number;
  /** Optimiser steps in the epoch (across a resume, too). */
  readonly steps: number;
  /** Mean total training loss (task + auxiliary) over the epoch's steps. */
  readonly loss: number;
  /** Mean task loss over the epoch's steps. */
  readonly taskLoss: number;
  /** Mean auxiliary loss over the epoch's steps. */
  readonly auxLoss: number;
  /** Learning rate of the epoch's last step. */
  readonly learningRate: number;
  /** Metrics on the evaluation source, when `fit` was given one. */
  readonly eval?: EvalMetrics;
}
