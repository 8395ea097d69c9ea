import { DataFileError } from './data-file-error';
import { type ImageDimensions } from './image-dimensions';
import { type ImageFormat } from './image-format';

/**
 * Default largest image, in pixels (width x height), that the image decoders accept: 4096 x 4096
 * (16,777,216 pixels, 64 MiB decoded as RGBA). Raise it with `maxImagePixels` (`loadImageFolder`)
 * or `maxPixels` (`decodeImage`).
 */
export const DEFAULT_MAX_IMAGE_PIXELS = 4096 * 4096;

/** Most output bytes per input byte that deflate (PNG's compression) can reach. */
const DEFLATE_MAX_RATIO = 1032;

/**
 * Checks the size an image header claims before the image is decoded, so that a small forged file
 * cannot make the decoder allocate gigabytes. Throws a {@link DataFileError}:
 * - `too-large` when `width x height` exceeds `maxPixels`, naming the claimed size, the limit and
 *   the option that raises it;
 * - `corrupt` when a file of `fileBytes` bytes cannot hold that many pixels: a PNG needs at least
 *   one bit per pixel before deflate, which compresses at most 1032:1; a JPEG needs at least one
 *   bit per 8 x 8 block.
 *
 * @param option How the caller names the limit in the message, e.g. `loadImageFolder's maxImagePixels option`.
 */
export function checkImagePixels(
  size: ImageDimensions,
  format: ImageFormat,
  fileBytes: number,
  file: string,
  maxPixels: number,
  option: string,
): void {
  const { width, height } = size;
  const pixels = width * height;
  const name = format === 'png' ? 'PNG' : 'JPEG';
  const claim = `${width} x ${height} pixels (${pixels.toLocaleString('en-US')})`;
  if (pixels > maxPixels) {
    throw new DataFileError(
      'too-large',
      file,
      `Image ${file}: its ${name} header claims ${claim}, more than the limit of ${maxPixels.toLocaleString('en-US')} pixels; ` +
        `decoding it would take about ${formatBytes(4 * pixels)}. It was not decoded. Shrink the image, or raise the limit ` +
        `with ${option} if the image is genuine.`,
    );
  }
  const possible =
    format === 'png' ? pixels / 8 <= DEFLATE_MAX_RATIO * fileBytes + 1024 : Math.ceil(width / 8) * Math.ceil(height / 8) <= 8 * fileBytes;
  if (!possible) {
    throw new DataFileError(
      'corrupt',
      file,
      `Image ${file}: its ${name} header claims ${claim}, which a file of ${fileBytes.toLocaleString('en-US')} bytes cannot hold; ` +
        'the file is truncated, corrupt or forged. It was not decoded. Replace or delete it.',
    );
  }
}

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  return `${Math.ceil(bytes / 2 ** 20)} MiB`;
}
