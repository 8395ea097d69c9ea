import { SafetensorsError } from './safetensors-error';

/**
 * The safetensors format (Hugging Face; the weight format PyTorch projects share): an 8-byte
 * little-endian header length `N`, `N` bytes of JSON (`{ name: { dtype, shape, data_offsets:
 * [begin, end] }, "__metadata__": { key: "value" } }`, offsets relative to the data), then the
 * raw little-endian tensor data, every byte of it owned by exactly one tensor.
 */

/** The element types of the format, with their sizes in bytes. */
export const SAFETENSORS_DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
} as const;

/** A safetensors element type. */
export type SafetensorsDtype = keyof typeof SAFETENSORS_DTYPE_BYTES;

/** One tensor of a safetensors header. */
export interface SafetensorsEntry {
  readonly dtype: SafetensorsDtype;
  readonly shape: readonly number[];
  /** `[begin, end)` byte range in the data section. */
  readonly dataOffsets: readonly [number, number];
}

/** A parsed, validated safetensors header. */
export interface SafetensorsHeader {
  /** The tensors by name, in the file's order of data. */
  readonly tensors: ReadonlyMap<string, SafetensorsEntry>;
  /** The string metadata (`__metadata__`), empty when absent. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Byte offset of the data section in the file (`8 + N`). */
  readonly dataStart: number;
  /** Length of the data section in bytes. */
  readonly dataBytes: number;
}

/** Headers above this size are refused before anything is allocated (the reference reader's limit). */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

/**
 * The header length `N` from a file's first 8 bytes, checked against the file size: `8 + N` must
 * fit in `fileSize` and `N` in {@link MAX_SAFETENSORS_HEADER_BYTES}.
 */
export function safetensorsHeaderLength(first8: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8 || first8.byteLength < 8) {
    throw new SafetensorsError(
      'truncated',
      source,
      `${source} is ${fileSize} bytes, shorter than the 8-byte header length of a safetensors file; it is truncated or not safetensors.`,
    );
  }
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    throw new SafetensorsError(
      'bad-header',
      source,
      `${source} claims a header of ${n} bytes, more than the ${MAX_SAFETENSORS_HEADER_BYTES} a safetensors header may have; the file is corrupt or not safetensors.`,
    );
  }
  const length = Number(n);
  if (8 + length > fileSize) {
    throw new SafetensorsError(
      'truncated',
      source,
      `${source} claims a header of ${length} bytes but has only ${fileSize - 8} after the length field; the file is truncated.`,
    );
  }
  return length;
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPE_BYTES, value);
}

function isIndex(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Parses and checks the header of a safetensors file of `fileSize` bytes from its first `8 + N`
 * bytes (`prefix` may hold more): every tensor has a known dtype, a shape of non-negative integers
 * and a byte range of exactly `elements * size` bytes inside the data, and the ranges cover the
 * data without overlap or gap. Throws a {@link SafetensorsError} naming the problem otherwise.
 */
export function parseSafetensorsHeader(prefix: Uint8Array, fileSize: number, source: string): SafetensorsHeader {
  const length = safetensorsHeaderLength(prefix.subarray(0, 8), fileSize, source);
  if (prefix.byteLength < 8 + length) {
    throw new SafetensorsError(
      'truncated',
      source,
      `${source}: only ${prefix.byteLength} bytes given for a header that ends at byte ${8 + length}.`,
    );
  }
  const bad = (what: string): SafetensorsError =>
    new SafetensorsError('bad-header', source, `${source} has a corrupt safetensors header: ${what}. Re-export or re-download the file.`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(prefix.subarray(8, 8 + length)));
  } catch (err) {
    throw new SafetensorsError(
      'bad-header',
      source,
      `${source} has a safetensors header that is not UTF-8 JSON (${(err as Error).message}); the file is corrupt or not safetensors.`,
      { cause: err },
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('it is not a JSON object');
  const dataStart = 8 + length;
  const dataBytes = fileSize - dataStart;
  const metadata: Record<string, string> = {};
  const entries: [string, SafetensorsEntry][] = [];
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v !== 'string') throw bad(`__metadata__.${k} is not a string`);
        metadata[k] = v;
      }
      continue;
    }
    const e = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof e !== 'object' || e === null) throw bad(`tensor "${name}" is not an object`);
    if (!isDtype(e.dtype)) {
      throw new SafetensorsError(
        'unsupported-dtype',
        source,
        `${source}: tensor "${name}" has dtype ${JSON.stringify(e.dtype)}, which is not one of ${Object.keys(SAFETENSORS_DTYPE_BYTES).join(', ')}.`,
      );
    }
    if (!Array.isArray(e.shape) || !e.shape.every(isIndex))
      throw bad(`tensor "${name}" has shape ${JSON.stringify(e.shape)}, not a list of non-negative integers`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || (offsets[0] as number) > (offsets[1] as number)) {
      throw bad(`tensor "${name}" has data_offsets ${JSON.stringify(offsets)}, not [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataBytes) {
      throw new SafetensorsError(
        'truncated',
        source,
        `${source}: tensor "${name}" ends at data byte ${end}, but the file holds ${dataBytes} bytes of data; the file is truncated.`,
      );
    }
    const shape = e.shape as number[];
    const expected = elementCount(shape) * SAFETENSORS_DTYPE_BYTES[e.dtype];
    if (end - begin !== expected) {
      throw new SafetensorsError(
        'bad-offsets',
        source,
        `${source}: tensor "${name}" (${e.dtype} [${shape.join(', ')}]) needs ${expected} bytes but its data_offsets span ${end - begin}; the file is corrupt.`,
      );
    }
    entries.push([name, { dtype: e.dtype, shape, dataOffsets: [begin, end] }]);
  }
  entries.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let covered = 0;
  for (const [name, e] of entries) {
    if (e.dataOffsets[0] !== covered) {
      throw new SafetensorsError(
        'bad-offsets',
        source,
        e.dataOffsets[0] < covered
          ? `${source}: tensor "${name}" overlaps the tensor before it (data bytes ${e.dataOffsets[0]}..${covered}); the file is corrupt.`
          : `${source}: data bytes ${covered}..${e.dataOffsets[0]} belong to no tensor (before "${name}"); the file is corrupt.`,
      );
    }
    covered = e.dataOffsets[1];
  }
  if (covered !== dataBytes) {
    throw new SafetensorsError(
      'bad-offsets',
      source,
      `${source}: the tensors cover ${covered} bytes of data but the file holds ${dataBytes} after the header; it has trailing bytes or is corrupt.`,
    );
  }
  return { tensors: new Map(entries), metadata, dataStart, dataBytes };
}

/** A tensor as plain values, in one of the dtypes tfjs holds. */
export interface TensorValues {
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly shape: readonly number[];
  readonly values: Float32Array | Int32Array | Uint8Array;
}

/** float16 bits to a float32 value. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

/**
 * The values of one tensor from its raw little-endian bytes, converted to what tfjs holds:
 * F64/F32/F16/BF16 to float32 (F64 rounds to the nearest float32), integer types to int32 (a value
 * outside int32's range is a {@link SafetensorsError} `out-of-range`), BOOL to bool.
 */
export function decodeSafetensorsValues(name: string, entry: SafetensorsEntry, raw: Uint8Array, source: string): TensorValues {
  const count = elementCount(entry.shape);
  // an aligned copy of the tensor's bytes in an ArrayBuffer of its own (a Node Buffer's slice() is
  // a view into a shared pool, so it cannot serve here)
  const bytes = new Uint8Array(raw);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = [...entry.shape];
  const ints = (read: (i: number) => number | bigint): TensorValues => {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const v = read(i);
      if (v < -2147483648 || v > 2147483647) {
        throw new SafetensorsError(
          'out-of-range',
          source,
          `${source}: tensor "${name}" (${entry.dtype}) holds ${String(v)} at index ${i}, outside the int32 range tfjs supports.`,
        );
      }
      out[i] = Number(v);
    }
    return { dtype: 'int32', shape, values: out };
  };
  const floats = (read: (i: number) => number): TensorValues => {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = read(i);
    return { dtype: 'float32', shape, values: out };
  };
  switch (entry.dtype) {
    case 'F32':
      return floats((i) => view.getFloat32(4 * i, true));
    case 'F64':
      return floats((i) => view.getFloat64(8 * i, true));
    case 'F16':
      return floats((i) => halfToFloat(view.getUint16(2 * i, true)));
    case 'BF16':
      return floats((i) => {
        const bits = new DataView(new ArrayBuffer(4));
        bits.setUint32(0, view.getUint16(2 * i, true) << 16, false);
        return bits.getFloat32(0, false);
      });
    case 'I64':
      return ints((i) => view.getBigInt64(8 * i, true));
    case 'U64':
      return ints((i) => view.getBigUint64(8 * i, true));
    case 'I32':
      return ints((i) => view.getInt32(4 * i, true));
    case 'U32':
      return ints((i) => view.getUint32(4 * i, true));
    case 'I16':
      return ints((i) => view.getInt16(2 * i, true));
    case 'U16':
      return ints((i) => view.getUint16(2 * i, true));
    case 'I8':
      return ints((i) => view.getInt8(i));
    case 'U8':
      return ints((i) => view.getUint8(i));
    case 'BOOL': {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i) === 0 ? 0 : 1;
      return { dtype: 'bool', shape, values: out };
    }
  }
}

/** The safetensors dtype a tfjs dtype is written as. */
const WRITTEN_DTYPE: Record<TensorValues['dtype'], SafetensorsDtype> = { float32: 'F32', int32: 'I32', bool: 'BOOL' };

/**
 * Encodes tensors (by name; written in name order) and string metadata as a safetensors file:
 * float32 as F32, int32 as I32, bool as BOOL. The header is padded with spaces so that the data
 * starts at a multiple of 8 bytes, as the reference writer does.
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, TensorValues>>,
  metadata: Readonly<Record<string, string>> = {},
): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__')
      throw new SafetensorsError('write-failed', 'encodeSafetensors', 'a tensor may not be named "__metadata__" (the format reserves it).');
    const t = tensors[name] as TensorValues;
    const count = elementCount(t.shape);
    if (t.values.length !== count) {
      throw new SafetensorsError(
        'write-failed',
        'encodeSafetensors',
        `tensor "${name}" has ${t.values.length} values for shape [${t.shape.join(', ')}] (${count}).`,
      );
    }
    const dtype = WRITTEN_DTYPE[t.dtype];
    const bytes = count * SAFETENSORS_DTYPE_BYTES[dtype];
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const encoder = new TextEncoder();
  let headerBytes = encoder.encode(json);
  const padding = (8 - ((8 + headerBytes.byteLength) % 8)) % 8;
  if (padding > 0) {
    json += ' '.repeat(padding);
    headerBytes = encoder.encode(json);
  }
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const name of names) {
    const t = tensors[name] as TensorValues;
    if (t.dtype === 'bool') {
      for (let i = 0; i < t.values.length; i++) out[at + i] = t.values[i] ? 1 : 0;
      at += t.values.length;
    } else {
      for (let i = 0; i < t.values.length; i++) {
        if (t.dtype === 'float32') view.setFloat32(at + 4 * i, t.values[i] as number, true);
        else view.setInt32(at + 4 * i, t.values[i] as number, true);
      }
      at += 4 * t.values.length;
    }
  }
  return out;
}

/** The metadata and every tensor of a whole safetensors file held in memory. */
export function decodeSafetensors(
  bytes: Uint8Array,
  source = 'safetensors data',
): { metadata: Record<string, string>; tensors: Map<string, TensorValues> } {
  const header = parseSafetensorsHeader(bytes, bytes.byteLength, source);
  const tensors = new Map<string, TensorValues>();
  for (const [name, e] of header.tensors) {
    const raw = bytes.subarray(header.dataStart + e.dataOffsets[0], header.dataStart + e.dataOffsets[1]);
    tensors.set(name, decodeSafetensorsValues(name, e, raw, source));
  }
  return { metadata: { ...header.metadata }, tensors };
}
