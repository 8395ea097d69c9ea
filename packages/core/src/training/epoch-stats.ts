import type { EpochLogs } from './callbacks';
import type { EvalMetrics } from './evaluate';
import type { StepMetrics } from './train-step';

/** Running sums over the steps of the current epoch (stored in checkpoints for exact resumes). */
export interface EpochStats {
  readonly steps: number;
  readonly lossSum: number;
  readonly taskLossSum: number;
  readonly auxLossSum: number;
  readonly learningRate: number;
}

/** The sums of an epoch without steps. */
export function emptyEpochStats(): EpochStats {
  return { steps: 0, lossSum: 0, taskLossSum: 0, auxLossSum: 0, learningRate: 0 };
}

/** The sums after one more step. */
export function addStepToStats(stats: EpochStats, step: StepMetrics): EpochStats {
  return {
    steps: stats.steps + 1,
    lossSum: stats.lossSum + step.loss,
    taskLossSum: stats.taskLossSum + step.taskLoss,
    auxLossSum: stats.auxLossSum + step.auxLoss,
    learningRate: step.learningRate,
  };
}

/**
 * The logs of a finished epoch: the mean total, task and auxiliary losses over its steps (NaN
 * without steps), the last learning rate, and the evaluation if there was one.
 */
export function epochLogsFromStats(epoch: number, stats: EpochStats, evalMetrics: EvalMetrics | undefined): EpochLogs {
  const mean = (sum: number): number => (stats.steps > 0 ? sum / stats.steps : Number.NaN);
  return {
    epoch,
    steps: stats.steps,
    loss: mean(stats.lossSum),
    taskLoss: mean(stats.taskLossSum),
    auxLoss: mean(stats.auxLossSum),
    learningRate: stats.learningRate,
    ...(evalMetrics ? { eval: evalMetrics } : {}),
  };
}
