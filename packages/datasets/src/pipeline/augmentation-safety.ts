import type { AugmentationOptions } from './augmentation';

/** The built-in data sets whose labels are known to survive (or not) each augmentation. */
export const AUGMENTATION_KINDS = ['triangle', 'sort-of-clevr', 'oriented-bars', 'mnist', 'fashion-mnist', 'cifar10', 'cifar100'] as const;
/** One of {@link AUGMENTATION_KINDS}: a built-in loader's name or a synthetic task. */
export type AugmentationKind = (typeof AUGMENTATION_KINDS)[number];

/** Whether an augmentation keeps every label of a data set true: `true`, or the reason it does not. */
export interface AugmentationSafety {
  /** Random crop with zero padding (a shift of the image by up to the padding). */
  readonly crop: true | string;
  /** Mirroring left-right. */
  readonly horizontalFlip: true | string;
}

/**
 * What each built-in data set's labels say about the image, and so which augmentation keeps them
 * true:
 *
 * - Triangle: equilateral or not is kept by mirroring and by shifting (both are isometries; a
 *   shift by more than a vertex's distance to the edge can push it off the canvas).
 * - Sort-of-CLEVR: the answers ask where objects are (left of / above the image centre line), so
 *   a mirror swaps left and right, and a shift moves objects across the centre lines.
 * - Oriented bars: a mirror turns a bar of angle a into one of angle 180 - a, another class.
 * - MNIST: a mirrored digit is no digit of its class (a mirrored 2 looks like a 5); shifts are fine.
 * - Fashion-MNIST, CIFAR-10/100: mirrored and shifted photos keep their class (CIFAR's are the
 *   AiT paper's own augmentation).
 */
export const AUGMENTATION_SAFETY: Readonly<Record<AugmentationKind, AugmentationSafety>> = {
  triangle: { crop: true, horizontalFlip: true },
  'sort-of-clevr': {
    crop: 'the shift moves objects across the image centre lines that the "on the left" / "on the top" questions ask about, and can cut objects off',
    horizontalFlip: 'a mirror swaps left and right, so the answers to "is it on the left?" become wrong',
  },
  'oriented-bars': { crop: true, horizontalFlip: 'a mirror turns a bar of angle a into one of angle 180 - a, which is another class' },
  mnist: { crop: true, horizontalFlip: 'a mirrored digit is not a digit of its class (a mirrored 2 looks like a 5)' },
  'fashion-mnist': { crop: true, horizontalFlip: true },
  cifar10: { crop: true, horizontalFlip: true },
  cifar100: { crop: true, horizontalFlip: true },
};

/**
 * Why `options` would make labels of the data set `kind` wrong: one sentence per refused
 * augmentation, empty when all are fine. Data sets outside {@link AUGMENTATION_KINDS} (e.g. image
 * folders) are the user's to judge and give no objection.
 */
export function augmentationProblems(kind: string, options: AugmentationOptions): string[] {
  const safety = (AUGMENTATION_SAFETY as Readonly<Record<string, AugmentationSafety | undefined>>)[kind];
  if (safety === undefined) return [];
  const problems: string[] = [];
  if ((options.cropPadding ?? 0) > 0 && safety.crop !== true) problems.push(`random crop changes ${kind} labels: ${safety.crop}`);
  if (options.horizontalFlip === true && safety.horizontalFlip !== true) {
    problems.push(`horizontal flip changes ${kind} labels: ${safety.horizontalFlip}`);
  }
  return problems;
}
