import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { type DecodedImage, detectImageFormat } from './image-format';

/**
 * Decodes a PNG (with `pngjs`: any bit depth, palette, grey or colour, 16-bit scaled to 8) or a
 * baseline / progressive JPEG (with `jpeg-js`) into RGBA bytes. A file that is neither, or that
 * fails to decode (truncated, corrupt), throws an Error naming `file` and the decoder's reason.
 */
export function decodeImage(bytes: Uint8Array, file: string): DecodedImage {
  const format = detectImageFormat(bytes);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    if (format === 'png') {
      const png = PNG.sync.read(buf);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    if (format === 'jpeg') {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
      if (img.width * img.height * 4 !== img.data.length || img.width === 0) throw new Error('decoded size does not match the header');
      return { width: img.width, height: img.height, data: img.data };
    }
  } catch (err) {
    throw new Error(
      `Image ${file}: cannot decode it as ${format === 'png' ? 'PNG' : 'JPEG'} (${(err as Error).message}); ` +
        'the file is truncated or corrupt. Replace or delete it.',
    );
  }
  const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
  throw new Error(
    `Image ${file}: neither PNG nor JPEG (it starts with bytes ${head || '(empty file)'}); convert it to PNG or JPEG, or remove it.`,
  );
}
