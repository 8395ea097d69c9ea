import type { HopfieldConfig } from './hopfield-options';

/** Input widths of a Hopfield association. */
export interface HopfieldInputWidths {
  /** Width of the stored patterns (keys). */
  readonly stored: number;
  /** Width of the state patterns (queries). */
  readonly state: number;
  /** Width of the pattern projection input (values). */
  readonly projection: number;
}

/** Every width a Hopfield association uses, resolved from the options and the input widths. */
export interface HopfieldDimensions extends HopfieldInputWidths {
  /** Heads. */
  readonly heads: number;
  /** Per-head width of the Hopfield space. */
  readonly hidden: number;
  /** Per-head width of the projected patterns. */
  readonly pattern: number;
  /** Output width. */
  readonly output: number;
  /** Inverse temperature per head. */
  readonly beta: readonly number[];
  /** Whether states, stored patterns and projections are all static and nothing is projected or normalised. */
  readonly staticExecution: boolean;
}

/**
 * Resolves the widths of a Hopfield association and checks that the options fit the inputs;
 * every error says which option or input to change.
 */
export function resolveHopfieldDimensions(where: string, cfg: HopfieldConfig, widths: HopfieldInputWidths): HopfieldDimensions {
  const heads = cfg.numHeads;
  let hidden: number;
  if (cfg.hiddenSize != null) hidden = cfg.hiddenSize;
  else if (cfg.statePatternAsStatic) hidden = widths.state;
  else if (widths.state % heads === 0) hidden = widths.state / heads;
  else {
    throw new Error(
      `${where}: the state width ${widths.state} is not divisible by numHeads = ${heads}; set hiddenSize (the per-head width).`,
    );
  }
  const pattern = cfg.patternSize ?? hidden;
  if (cfg.statePatternAsStatic && widths.state !== hidden) {
    throw new Error(`${where}: static state patterns must have width hiddenSize = ${hidden}, got ${widths.state}.`);
  }
  if (cfg.storedPatternAsStatic && widths.stored !== hidden) {
    throw new Error(`${where}: static stored patterns must have width hiddenSize = ${hidden}, got ${widths.stored}.`);
  }
  if (cfg.patternProjectionAsConnected) {
    if (pattern !== hidden) {
      throw new Error(
        `${where}: patternProjectionAsConnected projects the values with the stored-pattern projection, so patternSize ` +
          `(${pattern}) must equal hiddenSize (${hidden}); leave patternSize unset.`,
      );
    }
    const needed = cfg.storedPatternAsStatic ? hidden : widths.stored;
    if (widths.projection !== needed) {
      throw new Error(
        `${where}: with patternProjectionAsConnected the pattern projection input must have the stored-pattern width ` +
          `${needed}, got ${widths.projection}.`,
      );
    }
  } else if (cfg.patternProjectionAsStatic && widths.projection !== pattern) {
    throw new Error(`${where}: a static pattern projection must have width patternSize = ${pattern}, got ${widths.projection}.`);
  }
  let output: number;
  if (cfg.disableOutProjection) {
    output = heads * pattern;
    if (cfg.outputSize != null && cfg.outputSize !== output) {
      throw new Error(
        `${where}: disableOutProjection makes the output width numHeads * patternSize = ${output}; ` +
          `outputSize ${cfg.outputSize} cannot apply. Remove outputSize or enable the output projection.`,
      );
    }
  } else {
    output = cfg.outputSize ?? widths.state;
  }
  const staticExecution =
    cfg.storedPatternAsStatic &&
    cfg.statePatternAsStatic &&
    (cfg.patternProjectionAsStatic || cfg.patternProjectionAsConnected) &&
    cfg.disableOutProjection &&
    !cfg.normalizeHopfieldSpace;
  const scaling = cfg.scaling ?? (staticExecution ? 1 : 1 / Math.sqrt(hidden));
  const beta = typeof scaling === 'number' ? Array.from({ length: heads }, () => scaling) : [...scaling];
  if (beta.length !== heads) {
    throw new Error(`${where}: scaling has ${beta.length} entries but numHeads is ${heads}; give one number or one per head.`);
  }
  const eps = cfg.updateStepsEps;
  if (typeof eps !== 'number' && eps.length !== heads) {
    throw new Error(`${where}: updateStepsEps has ${eps.length} entries but numHeads is ${heads}; give one number or one per head.`);
  }
  return { ...widths, heads, hidden, pattern, output, beta, staticExecution };
}

/**
 * How many patterns the association appends to the stored ones (`S' = S + this`): a learned bias
 * pattern with `concatBiasPattern` and an all-zero pattern with `addZeroAssociation`.
 */
export function appendedPatternCount(cfg: Pick<HopfieldConfig, 'concatBiasPattern' | 'addZeroAssociation'>): number {
  return (cfg.concatBiasPattern ? 1 : 0) + (cfg.addZeroAssociation ? 1 : 0);
}
