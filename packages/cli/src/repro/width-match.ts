import type { WidthMatch } from './repro-plan';

/** What {@link matchWidth} found: the width and the parameter count it gives. */
export interface MatchedWidth {
  readonly value: number;
  readonly parameters: number;
}

/**
 * Picks the value of a width option (a multiple of `match.multiple`, at least one multiple) whose
 * parameter count comes closest to `target`. `count(value)` builds the model with that width and
 * counts its parameters; the counts of the widths the suite tunes (an MLP's or feed-forward
 * network's hidden width) are affine in the width, so two counts give the slope and the two
 * multiples around the solution are compared. Throws if the count does not grow with the width.
 */
export async function matchWidth(target: number, match: WidthMatch, count: (value: number) => Promise<number>): Promise<MatchedWidth> {
  const m = match.multiple;
  const a = 4 * m;
  const b = 64 * m;
  const [ca, cb] = [await count(a), await count(b)];
  const slope = (cb - ca) / (b - a);
  if (!(slope > 0)) {
    throw new Error(`The parameter count does not grow with ${match.key} (${ca} at ${a}, ${cb} at ${b}); it cannot be matched.`);
  }
  const exact = a + (target - ca) / slope;
  const low = Math.max(m, Math.floor(exact / m) * m);
  const candidates = [...new Set([low, low + m])];
  let best: MatchedWidth | undefined;
  for (const value of candidates) {
    const parameters = value === a ? ca : value === b ? cb : await count(value);
    if (best === undefined || Math.abs(parameters - target) < Math.abs(best.parameters - target)) best = { value, parameters };
  }
  return best as MatchedWidth;
}
