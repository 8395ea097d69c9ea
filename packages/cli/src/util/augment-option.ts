import { CLI_DATASET_ENTRIES, augmentationProblems, type DatasetEntry } from '@ait/datasets';
import { CliError } from './cli-error';
import { NO_AUGMENTATION, type RecipeAugmentation } from './training-recipe';

/** Augmentations `--augment` names: `crop` (random crop with zero padding) and `flip` (horizontal flip); `none` for neither. */
export const AUGMENT_NAMES = ['crop', 'flip', 'none'] as const;
/** Padding of `--augment crop` without `--crop-padding` (the CIFAR recipe of the AiT paper). */
export const DEFAULT_CROP_PADDING = 4;

/**
 * Turns `--augment` (a comma-separated list or the config file's list) and `--crop-padding` into
 * a recipe's augmentation. `none` (alone) switches augmentation off; an unknown name, `none` with
 * others, or a crop padding without `crop` is a usage error (exit 2) naming the flag or key.
 */
export function parseAugment(value: string | readonly string[], cropPadding: number | undefined, source: string): RecipeAugmentation {
  const names = (typeof value === 'string' ? value.split(',') : [...value]).map((s) => s.trim()).filter((s) => s !== '');
  const unknown = names.filter((n) => !(AUGMENT_NAMES as readonly string[]).includes(n));
  if (unknown.length > 0 || names.length === 0) {
    throw new CliError(`${source} ${JSON.stringify(names.join(','))}: expected a comma-separated list of crop and flip, or none.`, 2);
  }
  if (names.includes('none') && names.length > 1) throw new CliError(`${source}: none cannot be combined with crop or flip.`, 2);
  const crop = names.includes('crop');
  if (cropPadding !== undefined && !crop) {
    throw new CliError(
      `--crop-padding ${cropPadding} needs crop in --augment (e.g. --augment crop,flip --crop-padding ${cropPadding}).`,
      2,
    );
  }
  if (!crop && !names.includes('flip')) return NO_AUGMENTATION;
  return { cropPadding: crop ? (cropPadding ?? DEFAULT_CROP_PADDING) : 0, horizontalFlip: names.includes('flip') };
}

/** `crop 4, flip`, or `none`: an augmentation for people. */
export function describeAugment(augment: RecipeAugmentation | undefined): string {
  const parts = [
    ...(augment !== undefined && augment.cropPadding > 0 ? [`crop ${augment.cropPadding}`] : []),
    ...(augment?.horizontalFlip === true ? ['flip'] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/**
 * Refuses (usage error, exit 2) an augmentation that would make labels of the data set `kind`
 * wrong (see `augmentationProblems` of `@ait/datasets`), naming each problem and the fix.
 */
export function checkAugmentForData(augment: RecipeAugmentation, kind: string): void {
  const problems = augmentationProblems(kind, augment);
  if (problems.length > 0) {
    throw new CliError(`${problems.join('; ')}. Leave that augmentation out of --augment (or use --augment none).`, 2);
  }
}

/** `a`, `a and b`, `a, b and c`. */
function joinAnd(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * The sentence of `--augment`'s help that says where an augmentation is refused, made from the
 * augmentation facts of the data sets' registry entries (default: those the CLI offers), e.g.
 * `Refused where it changes labels: flip on sort-of-clevr (left/right questions) and mnist
 * (mirrored digits); crop on sort-of-clevr (objects cross the centre lines); triangle,
 * fashion-mnist, cifar10 and cifar100 take both`. Sets without facts (the user's own images) are
 * left out: nothing is refused for them.
 */
export function augmentRefusalsHelp(entries: readonly DatasetEntry[] = CLI_DATASET_ENTRIES): string {
  const checked = entries.flatMap((e) => (typeof e.augmentation === 'string' ? [] : [{ name: e.name, facts: e.augmentation }]));
  const clauses: string[] = [];
  for (const [word, key] of [
    ['flip', 'horizontalFlip'],
    ['crop', 'crop'],
  ] as const) {
    const refused = checked.flatMap(({ name, facts }) => {
      const verdict = facts[key];
      return verdict === true ? [] : [`${name} (${verdict.brief})`];
    });
    if (refused.length > 0) clauses.push(`${word} on ${joinAnd(refused)}`);
  }
  const both = checked.filter(({ facts }) => facts.crop === true && facts.horizontalFlip === true).map(({ name }) => name);
  if (both.length > 0) clauses.push(`${joinAnd(both)} take${both.length === 1 ? 's' : ''} both`);
  return clauses.length === 0 ? '' : `Refused where it changes labels: ${clauses.join('; ')}`;
}

/** The help text of `ait train --augment`: the names, the default and where each augmentation is refused. */
export function augmentHelp(): string {
  const refusals = augmentRefusalsHelp();
  return (
    'training augmentation: crop (random crop with zero padding), flip (horizontal), crop,flip, or none ' +
    `(default: the recipe, none except --recipe paper on CIFAR).${refusals === '' ? '' : ` ${refusals}`}`
  );
}
