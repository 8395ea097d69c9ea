import type { LossExplosionError, NonFiniteLossError } from '@ait/core';
import type { TrainingRecipe } from './training-recipe';

/** What `ait train` knows when a run diverged. */
export interface DivergenceFacts {
  /** The run directory. */
  readonly dir: string;
  /** The recipe the run trained with (for the suggested settings). */
  readonly recipe: TrainingRecipe;
  /** The learning rate of the preset's own recipe. */
  readonly recipeLr: number;
  /** The newest checkpoint from before the loss began to rise, if there is one. */
  readonly lastGood: string | undefined;
  /** The newest checkpoint of the run, if there is one. */
  readonly latest: string | undefined;
}

/**
 * The `ait train` message for a diverged run (NaN/Inf loss, or a loss explosion): what happened
 * (the first sentence of @ait/core's message), the last good checkpoint, and the command that
 * continues from it with settings that can be followed (`--resume <file> --lr <a tenth, at most
 * the recipe's> --clip-norm 1`), or how to start again when no checkpoint predates the divergence.
 */
export function divergenceMessage(err: NonFiniteLossError | LossExplosionError, facts: DivergenceFacts): string {
  const head = err.message.split(' The step was not applied')[0] ?? err.message;
  // a tenth of the run's learning rate, and no more than the preset's recipe
  const lr = Number(Math.min(facts.recipe.lr / 10, facts.recipeLr).toPrecision(3));
  const fix = `--lr ${lr}${facts.recipe.clipNorm > 0 ? '' : ' --clip-norm 1'}`;
  const nan = err.name === 'NonFiniteLossError' ? ' (if a lower learning rate does not help, check the data for NaN/Inf values)' : '';
  const newer = facts.lastGood !== undefined && facts.latest !== undefined && facts.latest !== facts.lastGood;
  const where =
    facts.lastGood !== undefined
      ? `The last good checkpoint is ${facts.lastGood}.${newer ? ' Newer checkpoints hold the weights that led to the divergence; resuming from this one sets them aside.' : ''} ` +
        `Continue from it with a lower learning rate${facts.recipe.clipNorm > 0 ? '' : ' and gradient clipping'}: ` +
        `ait train --resume ${facts.lastGood} ${fix}${nan}.`
      : facts.latest !== undefined
        ? `No checkpoint predates the rise of the loss (those in ${facts.dir} hold diverged weights). Start a new run with a lower ` +
          `learning rate${facts.recipe.clipNorm > 0 ? '' : ' and gradient clipping'}: your \`ait train\` command with --out <new folder> ${fix}${nan}.`
        : `No checkpoint was written before it. Start again with a lower learning rate${facts.recipe.clipNorm > 0 ? '' : ' and gradient clipping'}: ` +
          `your \`ait train\` command with ${fix}${nan} (the same --out may be used: it holds no checkpoint).`;
  return `${head} The step was not applied and no checkpoint was written after it. ${where}`;
}
