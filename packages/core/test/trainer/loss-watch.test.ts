import { describe, expect, it } from 'vitest';
import { DEFAULT_EXPLOSION_FACTOR, LossWatch } from '../../src/index';

/** Records `losses` as steps 0, 1, ... and returns the steps that would have been rejected. */
function feed(watch: LossWatch, losses: readonly number[]): number[] {
  const rejected: number[] = [];
  losses.forEach((loss, step) => {
    if (watch.explodes(loss)) rejected.push(step);
    else watch.record(step, loss);
  });
  return rejected;
}

describe("LossWatch (the Trainer's loss-explosion guard)", () => {
  it('never fires on a falling loss with late spikes, nor on a loss that drifts up slowly', () => {
    // cross-entropy of 10 classes falling from ln 10 towards 0.01, with a hard batch (30x the
    // current loss) every 25 steps: the first loss stays the ceiling
    const falling = Array.from({ length: 2000 }, (_, s) => {
      const base = 0.01 + 2.3 * Math.exp(-s / 200);
      return s % 25 === 24 ? Math.min(30 * base, 2.2) : base * (1 + 0.3 * Math.sin(s));
    });
    expect(feed(new LossWatch(), falling)).toEqual([]);
    // a loss that doubles over 200 steps moves the median with it
    const drifting = Array.from({ length: 1000 }, (_, s) => 1 * 2 ** (s / 200));
    expect(feed(new LossWatch(), drifting)).toEqual([]);
  });

  it('fires on a jump of more than factor x the level, and marks where the rise began', () => {
    const watch = new LossWatch();
    expect(watch.level()).toBeUndefined();
    expect(watch.explodes(1e9)).toBe(false); // nothing to compare with before the first step
    expect(feed(watch, [1.2, 1.0, 0.9, 0.8])).toEqual([]);
    expect(watch.level()).toBe(1.2);
    expect(watch.lastNormalStep).toBe(3);
    expect(watch.rising).toBe(false);
    watch.record(4, 5); // more than sqrt(10) x 1.2: elevated
    expect(watch.rising).toBe(true);
    expect(watch.lastNormalStep).toBe(3);
    expect(watch.explodes(DEFAULT_EXPLOSION_FACTOR * 1.2 * 0.99)).toBe(false);
    expect(watch.explodes(DEFAULT_EXPLOSION_FACTOR * 1.2 * 1.01)).toBe(true);
    const copy = new LossWatch();
    copy.setState(JSON.parse(JSON.stringify(watch.getState())));
    expect(copy.getState()).toEqual(watch.getState());
    expect(copy.rising).toBe(true);
  });

  it('started late (a resume without saved state), it watches a window first and takes its largest loss as the level', () => {
    const watch = new LossWatch({ window: 20 });
    // late in a run: low losses, with batches 10x the typical one
    const noisy = Array.from({ length: 200 }, (_, i) => (i % 7 === 3 ? 0.3 : 0.02 + 0.01 * Math.sin(i)));
    const rejected: number[] = [];
    noisy.forEach((loss, i) => {
      if (watch.explodes(loss)) rejected.push(i);
      else watch.record(1000 + i, loss);
    });
    expect(rejected).toEqual([]);
    expect(watch.level()).toBe(0.3);
    expect(watch.explodes(3.01)).toBe(true);
  });

  it('honours factor and window, and ignores losses it cannot take a ratio of', () => {
    const watch = new LossWatch({ factor: 100, window: 3 });
    expect(feed(watch, [1, 50, 60, 70])).toEqual([]);
    expect(watch.getState().recent).toEqual([50, 60, 70]);
    expect(watch.level()).toBe(60);
    expect(watch.explodes(6001)).toBe(true);
    const negative = new LossWatch();
    expect(feed(negative, [-1, -2, 100])).toEqual([]);
    const nan = new LossWatch();
    nan.record(0, Number.NaN);
    expect(nan.level()).toBeUndefined();
  });
});
