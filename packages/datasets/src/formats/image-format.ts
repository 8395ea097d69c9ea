/** A decoded image: `width x height` RGBA bytes, row-major. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** `[height, width, 4]` RGBA bytes. */
  readonly data: Uint8Array;
}

/** The image formats that `decodeImage` (Node entry) reads: PNG and JPEG. */
export type ImageFormat = 'png' | 'jpeg';

/** Detects PNG or JPEG from the first bytes (the signature, not the file name); undefined otherwise. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 8 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}
