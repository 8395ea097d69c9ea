import { describe, expect, it } from 'vitest';
import { ConfigError, constantSchedule, cosineSchedule } from '../../src/index';

describe('cosineSchedule', () => {
  // Shaped like the design notes' recipe (warm-up from 1e-5, floor 1e-6), with peak 1e-3 and 100 steps.
  const schedule = cosineSchedule({ peak: 1e-3, totalSteps: 100, warmupSteps: 10, warmupStart: 1e-5, floor: 1e-6 });

  it('warms up linearly from warmupStart to peak', () => {
    expect(schedule(0)).toBeCloseTo(1e-5, 15);
    // step 5 of 10: halfway between 1e-5 and 1e-3.
    expect(schedule(5)).toBeCloseTo(5.05e-4, 15);
    expect(schedule(9)).toBeCloseTo(1e-5 + 0.9 * (1e-3 - 1e-5), 15);
    // end of warm-up: exactly the peak.
    expect(schedule(10)).toBeCloseTo(1e-3, 15);
  });

  it('decays along a cosine from peak to floor, and stays at floor after totalSteps', () => {
    // mid-cosine: step 55 is halfway through the 90 decay steps, cos(pi/2) = 0.
    expect(schedule(55)).toBeCloseTo(1e-6 + 0.5 * (1e-3 - 1e-6), 15);
    expect(schedule(55)).toBeCloseTo(5.005e-4, 15);
    // a quarter through: floor + (peak - floor) * (1 + cos(pi/4)) / 2.
    expect(schedule(32.5)).toBeCloseTo(1e-6 + ((1e-3 - 1e-6) * (1 + Math.SQRT1_2)) / 2, 15);
    // last step (99): progress 89/90, cos(89 pi/90) = -cos(pi/90) = -0.9993908270190958.
    expect(schedule(99)).toBeCloseTo(1e-6 + 0.5 * 9.99e-4 * (1 - 0.9993908270190958), 15);
    expect(schedule(99)).toBeGreaterThan(1e-6);
    // past the end.
    expect(schedule(100)).toBe(1e-6);
    expect(schedule(1000)).toBe(1e-6);
  });

  it('is non-increasing after the warm-up', () => {
    let previous = Number.POSITIVE_INFINITY;
    for (let s = 10; s <= 110; s++) {
      const lr = schedule(s);
      expect(lr).toBeLessThanOrEqual(previous);
      previous = lr;
    }
  });

  it('starts at peak without warm-up and defaults floor to 0', () => {
    const s = cosineSchedule({ peak: 0.1, totalSteps: 4 });
    expect(s(0)).toBeCloseTo(0.1, 15);
    expect(s(1)).toBeCloseTo(0.05 * (1 + Math.cos(Math.PI / 4)), 15);
    expect(s(2)).toBeCloseTo(0.05, 15);
    expect(s(4)).toBe(0);
  });

  it('handles warmupSteps = totalSteps (warm-up then floor)', () => {
    const s = cosineSchedule({ peak: 1, totalSteps: 4, warmupSteps: 4, floor: 0.5, warmupStart: 0 });
    expect(s(2)).toBeCloseTo(0.5, 15);
    expect(s(3)).toBeCloseTo(0.75, 15);
    expect(s(4)).toBe(0.5);
  });

  it('rejects bad configs and steps with clear errors', () => {
    expect(() => cosineSchedule({ peak: 1e-3, totalSteps: 5, warmupSteps: 10 })).toThrow(ConfigError);
    expect(() => cosineSchedule({ peak: 1e-3, totalSteps: 5, warmupSteps: 10 })).toThrow(/totalSteps: must be >= warmupSteps \(10\)/);
    expect(() => cosineSchedule({ peak: -1, totalSteps: 5 })).toThrow(/peak/);
    expect(() => cosineSchedule({ peak: 1, totalSteps: 5, floor: 2 })).toThrow(/floor: must be <= peak/);
    expect(() => cosineSchedule({ peak: 1, totalSteps: 2.5 })).toThrow(/totalSteps/);
    expect(() => cosineSchedule({ peak: 1, totalSteps: 0 })).toThrow(/totalSteps/);
    expect(() => cosineSchedule({ peak: 1, totalSteps: 5, warmupStart: Number.NaN })).toThrow(/warmupStart/);
    expect(() => schedule(-1)).toThrow(/step must be a finite number >= 0/);
    expect(() => schedule(Number.NaN)).toThrow(/step/);
  });
});

describe('constantSchedule', () => {
  it('returns the same rate at every step and validates it', () => {
    const s = constantSchedule(3e-4);
    expect([s(0), s(7), s(1e6)]).toEqual([3e-4, 3e-4, 3e-4]);
    expect(() => constantSchedule(-1)).toThrow(/lr must be a finite number >= 0/);
    expect(() => constantSchedule(Number.POSITIVE_INFINITY)).toThrow(/lr/);
    expect(() => s(-2)).toThrow(/step/);
  });
});
