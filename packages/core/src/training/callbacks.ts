import type { TrainingPosition } from '../checkpoint/checkpoint-contents';
import type { EvalMetrics } from './evaluate';
import type { StepMetrics } from './train-step';
import type { FitResult } from './trainer-options';

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

/**
 * Hooks the {@link Trainer} calls while it trains; all optional, may be async (the trainer
 * awaits them). To stop early, call `trainer.requestStop()` from any hook (or a signal handler):
 * the trainer finishes the current step, saves a checkpoint and returns.
 */
export interface TrainerCallbacks {
  /** Before the first step of `fit`, with the position it starts from (non-zero after a resume). */
  onTrainBegin?(position: TrainingPosition): void | Promise<void>;
  /** At the start of each epoch (also of an epoch resumed in its middle). */
  onEpochBegin?(epoch: number): void | Promise<void>;
  /** After each optimiser step. */
  onStepEnd?(metrics: StepMetrics): void | Promise<void>;
  /** After each epoch, after its evaluation, before its checkpoint. */
  onEpochEnd?(epoch: number, logs: EpochLogs): void | Promise<void>;
  /** When `fit` returns normally (not after an error). */
  onTrainEnd?(result: FitResult): void | Promise<void>;
}
