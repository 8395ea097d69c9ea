import { augmentationProblems } from '@ait/datasets';
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
