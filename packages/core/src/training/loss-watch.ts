/** Options of the Trainer's loss-explosion guard (`TrainerOptions.explosion`). */
export interface LossExplosionOptions {
  /**
   * A step whose loss is more than `factor` times the running level is an explosion (default 10);
   * > 1. The running level is the larger of the first watched step's loss and the median of the
   * last `window` step losses, so a loss that falls during training keeps the first loss as its
   * ceiling and ordinary noise (a hard batch late in training) never comes near it.
   */
  factor?: number;
  /** Number of recent step losses whose median is the running level (default 50); >= 1. */
  window?: number;
}

/** Default of {@link LossExplosionOptions.factor}. */
export const DEFAULT_EXPLOSION_FACTOR = 10;
/** Default of {@link LossExplosionOptions.window}. */
export const DEFAULT_EXPLOSION_WINDOW = 50;

/** What a {@link LossWatch} remembers (stored in the Trainer's checkpoints, so a resumed run keeps watching). */
export interface LossWatchState {
  /** Loss of the first watched step, or `null` before it. */
  readonly baseline: number | null;
  /** The most recent step losses, oldest first (at most `window`). */
  readonly recent: readonly number[];
  /** 0-based index of the last step whose loss was not elevated, or `null`. */
  readonly lastNormalStep: number | null;
  /** 0-based index of the last step recorded, or `null`. */
  readonly lastStep: number | null;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * The running range of a run's step losses, for telling an exploding loss from ordinary noise.
 *
 * - The level is `max(baseline, median(recent))`: the first step's loss, or the recent median when
 *   that is higher (a loss that legitimately drifts up moves the level with it).
 * - A loss above `sqrt(factor) * level` is *elevated*: a rise may be starting. The last step that
 *   was not elevated marks where a rise began ({@link LossWatch.lastNormalStep}).
 * - A loss above `factor * level` is an *explosion* ({@link LossWatch.explodes}).
 *
 * Losses that are zero or negative at the level (custom losses that can go below zero) switch the
 * check off: there is no meaningful ratio to them.
 */
export class LossWatch {
  /** A loss above `factor` times the level is an explosion. */
  readonly factor: number;
  /** Number of recent losses whose median is part of the level. */
  readonly window: number;
  private baseline: number | undefined;
  private recent: number[] = [];
  private lastNormal: number | undefined;
  private last: number | undefined;

  /** @param options `factor` (default 10) and `window` (default 50); validated by the Trainer. */
  constructor(options: LossExplosionOptions = {}) {
    this.factor = options.factor ?? DEFAULT_EXPLOSION_FACTOR;
    this.window = options.window ?? DEFAULT_EXPLOSION_WINDOW;
  }

  /** The running level, or `undefined` before the baseline is known or when it is not positive. */
  level(): number | undefined {
    if (this.baseline === undefined) return undefined;
    const level = this.recent.length > 0 ? Math.max(this.baseline, median(this.recent)) : this.baseline;
    return level > 0 && Number.isFinite(level) ? level : undefined;
  }

  /** Whether `loss` is more than `factor` times the running level. */
  explodes(loss: number): boolean {
    const level = this.level();
    return level !== undefined && loss > this.factor * level;
  }

  /**
   * Records the loss of an accepted step (0-based index `step` in the run). The run's first step
   * (`step` 0) sets the baseline. A watch that starts later (a run resumed from a checkpoint
   * written without this state) first collects `window` losses and takes their maximum as the
   * baseline, so the low, noisy losses late in a run are never taken for its level.
   */
  record(step: number, loss: number): void {
    if (!Number.isFinite(loss)) return;
    const level = this.level();
    if (level === undefined || loss <= Math.sqrt(this.factor) * level) this.lastNormal = step;
    this.last = step;
    this.recent.push(loss);
    if (this.recent.length > this.window) this.recent.splice(0, this.recent.length - this.window);
    if (this.baseline === undefined && (step === 0 || this.recent.length >= this.window)) {
      this.baseline = step === 0 ? loss : Math.max(...this.recent);
    }
  }

  /** 0-based index of the last recorded step whose loss was not elevated, if any. */
  get lastNormalStep(): number | undefined {
    return this.lastNormal;
  }

  /** Whether the most recent recorded loss was elevated (a rise may be in progress). */
  get rising(): boolean {
    return this.last !== undefined && this.last !== this.lastNormal;
  }

  /** The state to store in a checkpoint. */
  getState(): LossWatchState {
    return {
      baseline: this.baseline ?? null,
      recent: [...this.recent],
      lastNormalStep: this.lastNormal ?? null,
      lastStep: this.last ?? null,
    };
  }

  /** Restores a state from {@link LossWatch.getState}; `undefined` starts afresh. */
  setState(state: LossWatchState | undefined): void {
    this.baseline = state?.baseline ?? undefined;
    this.recent = state ? state.recent.slice(-this.window) : [];
    this.lastNormal = state?.lastNormalStep ?? undefined;
    this.last = state?.lastStep ?? undefined;
  }
}
