import { checkLabel } from './check-sample';
import { type ImageShape, type NormalizationStats, type RandomAccessDataset, imageLength } from './dataset';
import { normalizationFromPixels } from './normalization-stats';

/** Options of {@link arrayDataset}. */
export interface ArrayDatasetOptions<E = undefined> {
  /** Short name of the data set. */
  name: string;
  /** `[height, width, channels]` of each image. */
  imageShape: ImageShape;
  /** All images back to back, `[n, H, W, C]` flattened; 0..255 bytes or 0..1 floats. */
  images: Uint8Array | Float32Array;
  /** `n` class indices. */
  labels: ArrayLike<number>;
  /** One name per class; its length is the class count. */
  labelNames: readonly string[];
  /** Normalisation statistics; computed from `images` when left out. */
  normalization?: NormalizationStats;
  /** Optional metadata per sample (`n` entries), returned as each sample's `extra`. */
  extras?: readonly E[];
}

/**
 * A random-access data set over images and labels already in memory. Samples are views into
 * `images` (no copy). Every label is checked once here.
 */
export function arrayDataset<E = undefined>(options: ArrayDatasetOptions<E>): RandomAccessDataset<E> {
  const { name, imageShape, images, labels, labelNames, extras } = options;
  const per = imageLength(imageShape);
  if (!imageShape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`arrayDataset '${name}': imageShape must be three positive integers [H, W, C], got [${imageShape.join(', ')}].`);
  }
  const n = labels.length;
  if (images.length !== n * per) {
    throw new Error(
      `arrayDataset '${name}': images hold ${images.length} values but ${n} labels of shape [${imageShape.join(', ')}] ` +
        `need ${n * per}; pass one image per label.`,
    );
  }
  if (extras !== undefined && extras.length !== n) {
    throw new Error(`arrayDataset '${name}': ${extras.length} extras for ${n} labels; pass one per sample or none.`);
  }
  const numClasses = labelNames.length;
  const labelArray = Int32Array.from(labels);
  labelArray.forEach((label, i) => checkLabel(label, numClasses, `arrayDataset '${name}', sample ${i}`));
  const normalization = options.normalization ?? normalizationFromPixels(images, imageShape[2]);
  return {
    access: 'random',
    name,
    size: n,
    imageShape,
    numClasses,
    labelNames,
    normalization,
    extraInputs: [],
    get(index: number) {
      if (!Number.isInteger(index) || index < 0 || index >= n) {
        throw new RangeError(`Dataset '${name}': index ${index} is outside [0, ${n}).`);
      }
      const image = images.subarray(index * per, (index + 1) * per);
      const label = labelArray[index] as number;
      return extras === undefined ? { image, label } : { image, label, extra: extras[index] as E };
    },
  };
}
