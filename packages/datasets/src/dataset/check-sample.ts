import { type ImageShape, imageLength } from './dataset';

/**
 * Throws unless `label` is an integer class index in `[0, numClasses)`.
 *
 * @param where Names the data set and sample (or file and record) for the message.
 */
export function checkLabel(label: number, numClasses: number, where: string): void {
  if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
    throw new Error(
      `${where}: label ${label} is outside [0, ${numClasses}); the file is corrupt or belongs to another data set ` +
        `(this one has ${numClasses} classes).`,
    );
  }
}

/** Throws unless `image` holds exactly `H * W * C` values for `shape`. */
export function checkImageLength(image: ArrayLike<number>, shape: ImageShape, where: string): void {
  const expected = imageLength(shape);
  if (image.length !== expected) {
    throw new Error(
      `${where}: the image has ${image.length} values but the data set declares shape [${shape.join(', ')}] ` +
        `(${expected} values); the sample and the data set's imageShape must agree.`,
    );
  }
}
