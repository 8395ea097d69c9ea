import { DataFileError } from './data-file-error';

/** The two CIFAR binary variants. */
export type CifarVariant = 'cifar10' | 'cifar100';

/** Side of a CIFAR image. */
export const CIFAR_IMAGE_SIZE = 32;
/** Bytes of one CIFAR image: 1024 red, 1024 green, 1024 blue, each row-major 32 x 32. */
export const CIFAR_IMAGE_BYTES = 3072;

/** Bytes of one record: 1 label byte (CIFAR-10) or 2 (CIFAR-100: coarse then fine) plus the image. */
export function cifarRecordBytes(variant: CifarVariant): number {
  return variant === 'cifar10' ? 3073 : 3074;
}

/** CIFAR records decoded into interleaved images and their labels. */
export interface CifarRecords {
  readonly count: number;
  /** `[count, 32, 32, 3]` bytes, channel innermost. */
  readonly images: Uint8Array;
  /** CIFAR-10 label (0..9) or CIFAR-100 fine label (0..99) per record. */
  readonly labels: Uint8Array;
  /** CIFAR-100 coarse label (0..19) per record; absent for CIFAR-10. */
  readonly coarseLabels?: Uint8Array;
}

/** The extra of a CIFAR-100 sample: both of its labels. */
export interface Cifar100Extra {
  readonly fine: number;
  readonly coarse: number;
}

/**
 * Copies one channel-planar CIFAR image (`[3, 32, 32]`: all red, all green, all blue) from
 * `src` at `srcOffset` into `dst` at `dstOffset` as interleaved `[32, 32, 3]`.
 */
export function planarToInterleaved(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
  const plane = CIFAR_IMAGE_SIZE * CIFAR_IMAGE_SIZE;
  for (let p = 0; p < plane; p++) {
    const o = dstOffset + 3 * p;
    dst[o] = src[srcOffset + p] as number;
    dst[o + 1] = src[srcOffset + plane + p] as number;
    dst[o + 2] = src[srcOffset + 2 * plane + p] as number;
  }
}

/**
 * Returns the number of records of a CIFAR file of `length` bytes, or throws a
 * {@link DataFileError} naming `file` unless it holds whole records of `variant`.
 */
export function checkCifarLength(length: number, variant: CifarVariant, file: string): number {
  const rec = cifarRecordBytes(variant);
  if (length === 0 || length % rec !== 0) {
    const other: CifarVariant = variant === 'cifar10' ? 'cifar100' : 'cifar10';
    const otherRec = cifarRecordBytes(other);
    const looksOther = length > 0 && length % otherRec === 0;
    throw new DataFileError(
      looksOther ? 'wrong-format' : 'truncated',
      file,
      `CIFAR file ${file}: ${length} bytes is ${length === 0 ? 'empty' : `not a whole number of ${rec}-byte records`} ` +
        `(${variant === 'cifar10' ? 'CIFAR-10: 1 label byte' : 'CIFAR-100: coarse and fine label bytes'} + 3072 image bytes). ` +
        (looksOther
          ? `It divides into ${otherRec}-byte records: it looks like a ${other === 'cifar10' ? 'CIFAR-10' : 'CIFAR-100'} file; use that loader.`
          : 'The file is truncated or corrupt; download it again.'),
    );
  }
  return length / rec;
}

/**
 * Decodes the records of a CIFAR binary file (`data_batch_N.bin`, `test_batch.bin`, `train.bin`,
 * `test.bin`). Throws a {@link DataFileError} naming `file` if the length is not a whole number of
 * records or a label is out of range (10 classes; CIFAR-100: 20 coarse, 100 fine). The record
 * count is not checked here: see `checkCifarRecordCount` for the official files' counts.
 */
export function parseCifarRecords(bytes: Uint8Array, variant: CifarVariant, file: string): CifarRecords {
  const count = checkCifarLength(bytes.length, variant, file);
  const rec = cifarRecordBytes(variant);
  const labelBytes = rec - CIFAR_IMAGE_BYTES;
  const images = new Uint8Array(count * CIFAR_IMAGE_BYTES);
  const labels = new Uint8Array(count);
  const coarse = variant === 'cifar100' ? new Uint8Array(count) : undefined;
  for (let i = 0; i < count; i++) {
    const base = i * rec;
    const { label, coarseLabel } = readCifarLabels(bytes, base, variant, file, i);
    labels[i] = label;
    if (coarse) coarse[i] = coarseLabel as number;
    planarToInterleaved(bytes, base + labelBytes, images, i * CIFAR_IMAGE_BYTES);
  }
  return coarse ? { count, images, labels, coarseLabels: coarse } : { count, images, labels };
}

/** Reads and range-checks the label byte(s) of the record starting at `offset`; throws a {@link DataFileError}. */
export function readCifarLabels(
  bytes: Uint8Array,
  offset: number,
  variant: CifarVariant,
  file: string,
  record: number,
): { label: number; coarseLabel?: number } {
  if (variant === 'cifar10') {
    const label = bytes[offset] as number;
    if (label > 9) {
      throw new DataFileError(
        'label-out-of-range',
        file,
        `CIFAR file ${file}: record ${record} has label ${label}, outside 0..9; the file is corrupt or not CIFAR-10 binary.`,
      );
    }
    return { label };
  }
  const coarseLabel = bytes[offset] as number;
  const label = bytes[offset + 1] as number;
  if (coarseLabel > 19 || label > 99) {
    throw new DataFileError(
      'label-out-of-range',
      file,
      `CIFAR file ${file}: record ${record} has coarse label ${coarseLabel} (0..19) and fine label ${label} (0..99); ` +
        'a value is out of range, so the file is corrupt or not CIFAR-100 binary.',
    );
  }
  return { label, coarseLabel };
}
