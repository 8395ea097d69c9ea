import type { AugmentationOptions } from './augmentation';
import type { AugmentationRefusal, DatasetAugmentation } from '../registry/dataset-entry';
import { datasetEntry } from '../registry/dataset-names';
import { DATASET_REGISTRY } from '../registry/dataset-registry';

type CheckedEntry = Exclude<
  Extract<(typeof DATASET_REGISTRY)[number], { readonly augmentation: DatasetAugmentation }>,
  { readonly variantOf: string }
>;

/** One of {@link AUGMENTATION_KINDS}: a registered data set whose labels are known to survive (or not) each augmentation. */
export type AugmentationKind = CheckedEntry['name'];

function checked(e: (typeof DATASET_REGISTRY)[number]): e is CheckedEntry {
  return typeof e.augmentation !== 'string' && !('variantOf' in e);
}

/**
 * The registered data sets (see `DATASET_REGISTRY`) whose labels are known to survive (or not)
 * each augmentation, fresh-sample modes left out (they share their set's facts).
 */
export const AUGMENTATION_KINDS: readonly AugmentationKind[] = DATASET_REGISTRY.filter(checked).map((e) => e.name);

/** Whether an augmentation keeps every label of a data set true: `true`, or the reason it does not. */
export interface AugmentationSafety {
  /** Random crop with zero padding (a shift of the image by up to the padding). */
  readonly crop: true | string;
  /** Mirroring left-right. */
  readonly horizontalFlip: true | string;
}

const reason = (verdict: true | AugmentationRefusal): true | string => (verdict === true ? true : verdict.reason);

/**
 * What each registered data set's labels say about the image, and so which augmentation keeps
 * them true, from the `augmentation` facts of `DATASET_REGISTRY` (where each is explained):
 * `true`, or the reason the augmentation makes labels wrong.
 */
export const AUGMENTATION_SAFETY: Readonly<Record<AugmentationKind, AugmentationSafety>> = Object.fromEntries(
  DATASET_REGISTRY.filter(checked).map((e) => [
    e.name,
    { crop: reason(e.augmentation.crop), horizontalFlip: reason(e.augmentation.horizontalFlip) },
  ]),
) as Record<AugmentationKind, AugmentationSafety>;

/**
 * Why `options` would make labels of the data set `kind` wrong: one sentence per refused
 * augmentation, empty when all are fine. `kind` is a registered name (fresh-sample modes share
 * their set's facts); data sets without augmentation facts (image folders, names outside the
 * registry) are the user's to judge and give no objection.
 */
export function augmentationProblems(kind: string, options: AugmentationOptions): string[] {
  const safety = datasetEntry(kind)?.augmentation;
  if (safety === undefined || typeof safety === 'string') return [];
  const problems: string[] = [];
  if ((options.cropPadding ?? 0) > 0 && safety.crop !== true) problems.push(`random crop changes ${kind} labels: ${safety.crop.reason}`);
  if (options.horizontalFlip === true && safety.horizontalFlip !== true) {
    problems.push(`horizontal flip changes ${kind} labels: ${safety.horizontalFlip.reason}`);
  }
  return problems;
}
