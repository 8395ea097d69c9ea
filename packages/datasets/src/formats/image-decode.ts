import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { DataFileError } from './data-file-error';
import { readImageDimensions } from './image-dimensions';
import { type DecodedImage, detectImageFormat } from './image-format';
import { DEFAULT_MAX_IMAGE_PIXELS, checkImagePixels } from './image-pixel-limit';

/** Options of {@link decodeImage}. */
export interface DecodeImageOptions {
  /**
   * Largest image accepted, in pixels (width x height), checked against the header before any
   * pixel is decoded; default {@link DEFAULT_MAX_IMAGE_PIXELS} (4096 x 4096).
   */
  maxPixels?: number;
  /** How the limit is named in the "too large" message; default `decodeImage's maxPixels option`. */
  limitOption?: string;
}

/**
 * Decodes a PNG (with `pngjs`: any bit depth, palette, grey or colour, 16-bit scaled to 8) or a
 * baseline / progressive JPEG (with `jpeg-js`) into RGBA bytes. The size in the header (PNG IHDR,
 * JPEG start of frame) is checked first: an image of more than `maxPixels` pixels, or one that the
 * file is too small to hold, is refused without being decoded, so a small forged file cannot make
 * it allocate gigabytes. Every failure (neither PNG nor JPEG, too large, truncated, corrupt)
 * throws a {@link DataFileError} naming `file`, the problem and the fix.
 */
export function decodeImage(bytes: Uint8Array, file: string, options: DecodeImageOptions = {}): DecodedImage {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_IMAGE_PIXELS;
  if (!(maxPixels >= 1)) throw new RangeError(`decodeImage: maxPixels must be at least 1, got ${maxPixels}.`);
  const format = detectImageFormat(bytes);
  if (format === undefined) {
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new DataFileError(
      'wrong-format',
      file,
      `Image ${file}: neither PNG nor JPEG (it starts with bytes ${head || '(empty file)'}); convert it to PNG or JPEG, or remove it.`,
    );
  }
  const size = readImageDimensions(bytes, format, file);
  checkImagePixels(size, format, bytes.length, file, maxPixels, options.limitOption ?? "decodeImage's maxPixels option");
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let image: DecodedImage;
  try {
    if (format === 'png') {
      const png = PNG.sync.read(buf);
      image = { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    } else {
      // jpeg-js checks the frame size itself too: a second guard should its parse differ from the header read above.
      const img = jpeg.decode(buf, {
        useTArray: true,
        formatAsRGBA: true,
        maxResolutionInMP: maxPixels / 1e6,
        maxMemoryUsageInMB: Math.max(1024, Math.ceil((maxPixels * 24) / 2 ** 20)),
      });
      image = { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    throw new DataFileError(
      'corrupt',
      file,
      `Image ${file}: cannot decode it as ${format === 'png' ? 'PNG' : 'JPEG'} (${(err as Error).message}); ` +
        'the file is truncated or corrupt. Replace or delete it.',
      { cause: err },
    );
  }
  if (image.width !== size.width || image.height !== size.height || image.data.length !== image.width * image.height * 4) {
    throw new DataFileError(
      'corrupt',
      file,
      `Image ${file}: its header claims ${size.width} x ${size.height} pixels but it decodes to ${image.width} x ${image.height} ` +
        `(${image.data.length} bytes); the file is corrupt. Replace or delete it.`,
    );
  }
  return image;
}
