import type { TrainingPosition } from '../checkpoint/checkpoint-contents';
import type { StepMetrics } from './train-step';
import type { EpochLogs } from './epoch-logs';
import type { FitResult } from './fit-result';

export type { EpochLogs } from './epoch-logs';

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
