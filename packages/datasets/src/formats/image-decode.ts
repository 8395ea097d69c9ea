import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** A decoded image: `width x height` RGBA bytes, row-major. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** `[height, width, 4]` RGBA bytes. */
  readonly data: Uint8Array;
}

/** The image formats {@link decodeImage} reads. */
export type ImageFormat = 'png' | 'jpeg';

/** Detects PNG or JPEG from the first bytes (the signature, not the file name); undefined otherwise. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

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

/**
 * Converts RGBA bytes `[H, W, 4]` to `[H, W, channels]`: 3 keeps R, G, B (alpha dropped); 1 takes
 * the luma `round(0.299 R + 0.587 G + 0.114 B)`.
 */
export function rgbaToChannels(rgba: Uint8Array, channels: 1 | 3): Uint8Array {
  const n = rgba.length / 4;
  const out = new Uint8Array(n * channels);
  for (let p = 0; p < n; p++) {
    const r = rgba[4 * p] as number;
    const g = rgba[4 * p + 1] as number;
    const b = rgba[4 * p + 2] as number;
    if (channels === 3) {
      out[3 * p] = r;
      out[3 * p + 1] = g;
      out[3 * p + 2] = b;
    } else {
      out[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    }
  }
  return out;
}
