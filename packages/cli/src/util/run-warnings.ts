/**
 * How far from its preset's recipe a learning rate may be before `ait train` warns: more than
 * `above` times the recipe's learning rate usually diverges or ends at chance level, less than
 * 1/`below` of it learns very little in the recipe's epochs.
 */
export const LEARNING_RATE_RANGE = { above: 10, below: 100 } as const;

const round = (x: number): string => String(Number(x.toPrecision(3)));
/** `5,000` or `1e+33`: a ratio for people. */
const ratioText = (x: number): string => (x < 1e6 ? Number(x.toPrecision(3)).toLocaleString('en-US') : x.toExponential(0));

/**
 * A warning when `lr` is far outside the range around the preset's recipe learning rate
 * (`recipeLr / 100` to `recipeLr * 10`, see {@link LEARNING_RATE_RANGE}), or `undefined`.
 * `source` names where the value came from (`--lr`, or a config file key).
 */
export function learningRateWarning(lr: number, recipeLr: number, model: string, source: string): string | undefined {
  const low = recipeLr / LEARNING_RATE_RANGE.below;
  const high = recipeLr * LEARNING_RATE_RANGE.above;
  if (lr >= low && lr <= high) return undefined;
  const ratio = lr > high ? `${ratioText(lr / recipeLr)} times` : `1/${ratioText(recipeLr / lr)} of`;
  return (
    `${source} ${lr} is ${ratio} the learning rate of ${model}'s recipe (${recipeLr}), far outside ${round(low)} to ${round(high)}: ` +
    (lr > high
      ? 'training this far above it usually diverges or ends at chance level.'
      : "training this far below it learns very little in the recipe's epochs.") +
    ` Consider --lr ${recipeLr}.`
  );
}

/**
 * A warning when a finished run's test accuracy is at chance level: not above `1 / classes` by
 * more than two standard errors of a guess on `examples` test examples (so a tiny test set needs a
 * clear margin), or `undefined`.
 */
export function chanceLevelWarning(
  accuracy: number | null,
  classes: number,
  examples: number | undefined,
  lr: number,
  model: string,
  recipeLr: number,
): string | undefined {
  if (accuracy === null || !Number.isFinite(accuracy) || classes < 2 || examples === undefined || examples < 1) return undefined;
  const chance = 1 / classes;
  const margin = 2 * Math.sqrt((chance * (1 - chance)) / examples);
  if (accuracy > chance + margin) return undefined;
  const pct = (x: number): string => `${(x * 100).toFixed(2)} %`;
  return (
    `the final test accuracy ${pct(accuracy)} is at chance level (${pct(chance)} for ${classes} classes; not above it by two ` +
    `standard errors on ${examples.toLocaleString('en-US')} test examples): the model has learned nothing measurable. ` +
    `Check the learning rate (this run: ${lr}; ${model}'s recipe: ${recipeLr}), the number of epochs and the data.`
  );
}
