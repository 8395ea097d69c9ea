import { imageSize } from 'image-size';
import { DataFileError } from './data-file-error';
import { type ImageFormat } from './image-format';

/** The size an image file's header claims, read without decoding the pixels. */
export interface ImageDimensions {
  readonly width: number;
  readonly height: number;
}

const FORMAT_NAMES: Readonly<Record<ImageFormat, string>> = { png: 'PNG', jpeg: 'JPEG' };
const SIZE_TYPES: Readonly<Record<ImageFormat, string>> = { png: 'png', jpeg: 'jpg' };

/**
 * Reads the width and height that a PNG (IHDR chunk) or JPEG (start-of-frame marker) header
 * claims, with the `image-size` library, without decoding the image. Throws a
 * {@link DataFileError} naming `file` when the header is missing, cut short or unreadable, or
 * claims a zero width or height.
 */
export function readImageDimensions(bytes: Uint8Array, format: ImageFormat, file: string): ImageDimensions {
  const name = FORMAT_NAMES[format];
  let width: number;
  let height: number;
  try {
    const size = imageSize(bytes);
    if (size.type !== SIZE_TYPES[format]) throw new Error(`the header reads as ${String(size.type)}`);
    ({ width, height } = size);
  } catch (err) {
    throw new DataFileError(
      'corrupt',
      file,
      `Image ${file}: cannot read its ${name} header (${(err as Error).message}); the file is truncated or corrupt. Replace or delete it.`,
      { cause: err },
    );
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new DataFileError(
      'corrupt',
      file,
      `Image ${file}: its ${name} header claims ${width} x ${height} pixels, not a positive size; the file is truncated or ` +
        'corrupt. Replace or delete it.',
    );
  }
  return { width, height };
}
