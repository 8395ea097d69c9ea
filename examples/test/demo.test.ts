import { describe, expect, it } from 'vitest';
import { runDemo } from '../train-tiny-transformer';

describe('the main demo', () => {
  it('trains the tiny transformer on oriented bars: loss falls and test accuracy beats chance', async () => {
    const lines: string[] = [];
    const history = await runDemo({ backend: 'wasm', epochs: 2, seed: 0, log: (l) => lines.push(l) });
    expect(history).toHaveLength(2);
    const [first, last] = [history[0]!, history[1]!];
    expect(last.loss).toBeLessThan(first.loss * 0.9);
    expect(last.eval?.accuracy).toBeGreaterThan(0.5);
    expect(lines.some((l) => l.startsWith('backend wasm'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^done in .* s: train loss .* -> .*, test accuracy/);
  });

  it('rejects a bad epoch count', async () => {
    await expect(runDemo({ backend: 'cpu', epochs: 0, log: () => {} })).rejects.toThrow(/epochs must be a positive integer/);
  });
});
