import { DataFileError } from './data-file-error';

/** Element types of the IDX format (the third magic byte: 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E). */
export type IdxDataType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** Typed array holding the values of an IDX file. */
export type IdxTypedArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX header. */
export interface IdxHeader {
  /** Element type. */
  readonly dataType: IdxDataType;
  /** Dimension sizes, outermost first (e.g. `[60000, 28, 28]`). */
  readonly dims: readonly number[];
  /** The 32-bit magic number, e.g. `0x00000803` for 3-d unsigned bytes. */
  readonly magic: number;
  /** Bytes before the data: `4 + 4 * dims.length`. */
  readonly headerBytes: number;
  /** Bytes per element. */
  readonly elementBytes: number;
}

const TYPE_CODES: Readonly<Record<IdxDataType, number>> = {
  uint8: 0x08,
  int8: 0x09,
  int16: 0x0b,
  int32: 0x0c,
  float32: 0x0d,
  float64: 0x0e,
};
const ELEMENT_BYTES: Readonly<Record<IdxDataType, number>> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };
const BY_CODE = new Map<number, IdxDataType>(Object.entries(TYPE_CODES).map(([k, v]) => [v, k as IdxDataType]));

/** The magic number of an IDX file of `dataType` with `rank` dimensions (e.g. `uint8`, 3 -> `0x00000803`). */
export function idxMagic(dataType: IdxDataType, rank: number): number {
  return (TYPE_CODES[dataType] << 8) | rank;
}

/** Formats a magic number as `0x00000803`. */
export function formatMagic(magic: number): string {
  return `0x${(magic >>> 0).toString(16).padStart(8, '0')}`;
}

/** Number of data bytes an IDX file with this header holds after its header. */
export function idxDataBytes(header: IdxHeader): number {
  return header.dims.reduce((a, b) => a * b, 1) * header.elementBytes;
}

/**
 * Parses the header of an IDX file (big-endian magic `0x0000TTRR`: type code TT, rank RR, then RR
 * big-endian 32-bit dimension sizes). `bytes` needs to hold at least the header. Throws a
 * {@link DataFileError} naming `file` and the problem when the bytes are not an IDX header, or
 * when the header is impossible: a dimension after the first is 0 (records of no bytes), or the
 * dimensions multiply to more bytes than any file can hold.
 */
export function parseIdxHeader(bytes: Uint8Array, file: string): IdxHeader {
  if (bytes.length < 4) {
    throw new DataFileError(
      'truncated',
      file,
      `IDX file ${file}: truncated; it has ${bytes.length} bytes, fewer than the 4-byte magic number. Download it again.`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  const code = bytes[2] as number;
  const rank = bytes[3] as number;
  const dataType = BY_CODE.get(code);
  if (bytes[0] !== 0 || bytes[1] !== 0 || dataType === undefined || rank === 0) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' It looks gzip-compressed; read it with readIdxFile, which unpacks gzip.' : '';
    throw new DataFileError(
      'bad-magic',
      file,
      `IDX file ${file}: bad magic number ${formatMagic(magic)}; an IDX file starts with 0x0000TTRR ` +
        `(TT the type code 08/09/0B/0C/0D/0E, RR the number of dimensions >= 1). The file is corrupt or not in IDX format.${gz}`,
    );
  }
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DataFileError(
      'truncated',
      file,
      `IDX file ${file}: truncated header; magic ${formatMagic(magic)} announces ${rank} dimensions ` +
        `(${headerBytes} header bytes) but the file has only ${bytes.length} bytes. Download it again.`,
    );
  }
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const elementBytes = ELEMENT_BYTES[dataType];
  const zero = dims.indexOf(0, 1);
  if (zero > 0) {
    throw new DataFileError(
      'bad-header',
      file,
      `IDX file ${file}: its header announces dims [${dims.join(', ')}], whose dimension ${zero} is 0, so every record ` +
        'would hold no data; the header is corrupt. Download the file again.',
    );
  }
  const total = dims.reduce((a, b) => a * b, elementBytes);
  if (total > Number.MAX_SAFE_INTEGER) {
    throw new DataFileError(
      'bad-header',
      file,
      `IDX file ${file}: its header announces dims [${dims.join(', ')}] of ${dataType}, more than 2^53 bytes of data, ` +
        'which no file holds; the header is corrupt. Download the file again.',
    );
  }
  return { dataType, dims, magic, headerBytes, elementBytes };
}

/** Encodes an IDX header for `dataType` and `dims`. */
export function encodeIdxHeader(dataType: IdxDataType, dims: readonly number[]): Uint8Array {
  if (dims.length === 0 || dims.length > 255 || !dims.every((d) => Number.isInteger(d) && d >= 0 && d <= 0xffffffff)) {
    throw new Error(`encodeIdxHeader: dims must be 1 to 255 non-negative 32-bit integers, got [${dims.join(', ')}].`);
  }
  const out = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, idxMagic(dataType, dims.length), false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return out;
}

function allocate(dataType: IdxDataType, n: number): IdxTypedArray {
  switch (dataType) {
    case 'uint8':
      return new Uint8Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
  }
}

/** A whole IDX file: its header and its values (converted from big-endian to native numbers). */
export interface IdxArray {
  readonly header: IdxHeader;
  readonly data: IdxTypedArray;
}

/**
 * Decodes a whole (uncompressed) IDX file. Throws a {@link DataFileError} naming `file` if the
 * header is bad or the data is shorter (truncated) or longer (trailing bytes) than the header
 * announces; the length is checked before anything is allocated, so a forged header cannot make
 * it allocate more than the file holds.
 */
export function decodeIdx(bytes: Uint8Array, file: string): IdxArray {
  const header = parseIdxHeader(bytes, file);
  checkIdxLength(header, bytes.length, file);
  const count = header.dims.reduce((a, b) => a * b, 1);
  const body = bytes.subarray(header.headerBytes);
  if (header.dataType === 'uint8') return { header, data: body };
  if (header.dataType === 'int8') return { header, data: new Int8Array(body.buffer, body.byteOffset, count) };
  const data = allocate(header.dataType, count);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < count; i++) {
    switch (header.dataType) {
      case 'int16':
        data[i] = view.getInt16(2 * i, false);
        break;
      case 'int32':
        data[i] = view.getInt32(4 * i, false);
        break;
      case 'float32':
        data[i] = view.getFloat32(4 * i, false);
        break;
      default:
        data[i] = view.getFloat64(8 * i, false);
    }
  }
  return { header, data };
}

/**
 * Throws a {@link DataFileError} unless a file of `totalBytes` bytes holds exactly the header plus
 * the data it announces.
 */
export function checkIdxLength(header: IdxHeader, totalBytes: number, file: string): void {
  const expected = header.headerBytes + idxDataBytes(header);
  if (totalBytes < expected) {
    throw new DataFileError(
      'truncated',
      file,
      `IDX file ${file}: truncated; its header announces dims [${header.dims.join(', ')}] of ${header.dataType} ` +
        `(${expected} bytes in all) but it has ${totalBytes} bytes. Download it again.`,
    );
  }
  if (totalBytes > expected) {
    throw new DataFileError(
      'trailing-bytes',
      file,
      `IDX file ${file}: ${totalBytes - expected} unexpected bytes after the data announced by its header ` +
        `(dims [${header.dims.join(', ')}] of ${header.dataType}, ${expected} bytes); the file is corrupt or its header is wrong.`,
    );
  }
}

/** Encodes values as an uncompressed IDX file (big-endian), e.g. to write a data set or a test fixture. */
export function encodeIdx(dataType: IdxDataType, dims: readonly number[], data: ArrayLike<number>): Uint8Array {
  const header = encodeIdxHeader(dataType, dims);
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new Error(`encodeIdx: dims [${dims.join(', ')}] need ${count} values, got ${data.length}.`);
  }
  const bytes = ELEMENT_BYTES[dataType];
  const out = new Uint8Array(header.length + count * bytes);
  out.set(header, 0);
  const view = new DataView(out.buffer, header.length);
  for (let i = 0; i < count; i++) {
    const v = data[i] as number;
    switch (dataType) {
      case 'uint8':
        view.setUint8(i, v);
        break;
      case 'int8':
        view.setInt8(i, v);
        break;
      case 'int16':
        view.setInt16(2 * i, v, false);
        break;
      case 'int32':
        view.setInt32(4 * i, v, false);
        break;
      case 'float32':
        view.setFloat32(4 * i, v, false);
        break;
      case 'float64':
        view.setFloat64(8 * i, v, false);
        break;
    }
  }
  return out;
}
