import { validateConfig, z } from '../config/validate-config';

/** Configuration of {@link cosineSchedule}. Learning rates are finite and >= 0. */
export interface CosineScheduleConfig {
  /** Learning rate at the end of the warm-up (the maximum). */
  peak: number;
  /** Step at which the cosine reaches `floor`; positive integer, >= `warmupSteps`. */
  totalSteps: number;
  /** Steps of linear warm-up; non-negative integer, default 0. */
  warmupSteps?: number;
  /** Learning rate at step 0 when there is a warm-up; default 0. */
  warmupStart?: number;
  /** Learning rate at `totalSteps` and after; at most `peak`, default 0. */
  floor?: number;
}

/**
 * Learning rate at a 0-based step: linear warm-up from warmupStart to peak over warmupSteps, then cosine decay
 * from peak to floor at totalSteps, and floor after that.
 */
export type LrSchedule = (step: number) => number;

const rate = (what: string) => z.number(`must be a finite number (${what})`).min(0, `must be >= 0 (${what})`);
const count = (what: string) =>
  z.number(`must be a finite number (${what})`).int(`must be an integer (${what})`).min(0, `must be >= 0 (${what})`);

const cosineSchema = z
  .strictObject({
    peak: rate('the largest learning rate'),
    totalSteps: count('the step at which the decay ends').min(1, 'must be >= 1 (the step at which the decay ends)'),
    warmupSteps: count('linear warm-up steps').default(0),
    warmupStart: rate('the learning rate at step 0').default(0),
    floor: rate('the learning rate after totalSteps').default(0),
  })
  .superRefine((c, ctx) => {
    if (c.totalSteps < c.warmupSteps) {
      ctx.addIssue({
        code: 'custom',
        path: ['totalSteps'],
        message: `must be >= warmupSteps (${c.warmupSteps}), got ${c.totalSteps}; lengthen the run or shorten the warm-up`,
      });
    }
    if (c.floor > c.peak) {
      ctx.addIssue({
        code: 'custom',
        path: ['floor'],
        message: `must be <= peak (${c.peak}), got ${c.floor}; the cosine decays from peak down to floor`,
      });
    }
  });

function checkStep(where: string, step: number): void {
  if (typeof step !== 'number' || !Number.isFinite(step) || step < 0) {
    throw new Error(`${where}: step must be a finite number >= 0 (0-based), got ${String(step)}.`);
  }
}

/**
 * A warm-up + cosine schedule. For step `s` (0-based; fractions allowed, e.g. fractional epochs):
 * `s < warmupSteps`: `warmupStart + (peak - warmupStart) * s / warmupSteps`;
 * `warmupSteps <= s < totalSteps`: `floor + (peak - floor) * (1 + cos(pi * (s - warmupSteps) / (totalSteps - warmupSteps))) / 2`
 * (so step `warmupSteps` gets exactly `peak`); `s >= totalSteps`: `floor`.
 * The config is validated (throws a `ConfigError`); a negative or non-finite step throws.
 */
export function cosineSchedule(config: CosineScheduleConfig): LrSchedule {
  const { peak, totalSteps, warmupSteps, warmupStart, floor } = validateConfig('cosineSchedule', cosineSchema, config);
  const decaySteps = totalSteps - warmupSteps;
  return (step: number): number => {
    checkStep('cosineSchedule', step);
    if (step < warmupSteps) return warmupStart + ((peak - warmupStart) * step) / warmupSteps;
    if (step >= totalSteps) return floor;
    const progress = (step - warmupSteps) / decaySteps;
    return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
  };
}

/** A schedule that returns `lr` (finite, >= 0) at every step. */
export function constantSchedule(lr: number): LrSchedule {
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
    throw new Error(`constantSchedule: lr must be a finite number >= 0, got ${String(lr)}.`);
  }
  return (step: number): number => {
    checkStep('constantSchedule', step);
    return lr;
  };
}
