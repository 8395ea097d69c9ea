/**
 * How long the runs of a suite still to train will take, estimated from the wall-clock times of
 * completed runs (the output folder's own, or another suite's `results.csv` on a similar machine).
 */
import type { ReproRun } from './repro-plan';
import type { ReproResult } from './repro-results';

/** Where a run's estimate comes from. */
export type EstimateBasis = 'model' | 'preset';

/** A run's estimated wall-clock seconds, or `null` where no completed run is like it. */
export interface RunEstimate {
  readonly seconds: number | null;
  /** `model`: completed runs of the same model on the data set; `preset`: of the same preset (an ablation timed as its model). */
  readonly basis?: EstimateBasis;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Estimates each run's seconds as the median wall-clock time of the completed runs of the same
 * data set and model (any seed), else of the same data set and preset (an ablation without times of
 * its own is timed as the model it ablates), else `null`. Only completed runs of the run's epoch
 * count are used: another count means another size of the suite, with other data sizes too.
 */
export function estimateRuns(runs: readonly ReproRun[], timings: readonly ReproResult[]): RunEstimate[] {
  const done = timings.filter((t) => t.status === 'completed' && t.seconds > 0);
  const timed = (run: ReproRun, like: (t: ReproResult) => boolean): number | null => {
    const mine = done.filter((t) => t.dataset === run.dataset && t.epochs === run.epochs && like(t));
    return mine.length === 0 ? null : median(mine.map((t) => t.seconds));
  };
  return runs.map((run) => {
    const byModel = timed(run, (t) => t.model === run.label);
    if (byModel !== null) return { seconds: byModel, basis: 'model' };
    const byPreset = timed(run, (t) => t.preset === run.preset);
    return byPreset !== null ? { seconds: byPreset, basis: 'preset' } : { seconds: null };
  });
}

/** Seconds as `3 h 05 min` or `42 min`. */
export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min` : `${minutes} min`;
}
