import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { type IdxArray, type IdxHeader, checkIdxLength, decodeIdx, idxDataBytes, parseIdxHeader } from './idx-format';
import { errorCode, isGzip, readMaybeGzipped } from './read-data-file';
import { RecordFile } from './record-file';

/**
 * Reads a whole IDX file, plain or gzip-compressed (detected from its first bytes). Errors name
 * the file and the problem (missing, not gzip, bad magic, truncated, trailing bytes).
 *
 * @param hint Appended to the "not found" message, e.g. where to download the file.
 */
export async function readIdxFile(path: string, hint = ''): Promise<IdxArray> {
  const bytes = await readMaybeGzipped(path, 'IDX file', hint);
  return decodeIdx(bytes, path);
}

async function peek(path: string, length: number, hint: string): Promise<{ bytes: Uint8Array; size: number }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') throw new Error(`IDX file not found: ${path}.${hint ? ` ${hint}` : ''}`);
    throw new Error(`IDX file ${path}: cannot open it: ${(err as Error).message}`);
  }
  try {
    const size = (await fh.stat()).size;
    const bytes = new Uint8Array(Math.min(length, size));
    await fh.read(bytes, 0, bytes.length, 0);
    return { bytes, size };
  } finally {
    await fh.close();
  }
}

/** Random access to the records (sub-arrays along the first dimension) of an uncompressed IDX file. */
export interface IdxRecordFile {
  readonly header: IdxHeader;
  /** Number of records, `dims[0]`. */
  readonly count: number;
  /** Bytes per record. */
  readonly recordBytes: number;
  /** Reads record `index` as raw bytes (big-endian for multi-byte types). */
  read(index: number): Promise<Uint8Array>;
  /** Closes the file. */
  close(): Promise<void>;
}

/**
 * Opens an uncompressed IDX file for random access of its records, without reading the data:
 * checks the header and that the file size matches it. A gzip file throws (it has no random
 * access): unpack it with `gunzip`, or read it whole or as a stream.
 */
export async function openIdxRecordFile(path: string, hint = ''): Promise<IdxRecordFile> {
  const { bytes, size } = await peek(path, 4 + 4 * 255, hint);
  if (isGzip(bytes)) {
    throw new Error(
      `IDX file ${path} is gzip-compressed, which allows no random access from disk; unpack it (gunzip) or ` +
        "load it with mode 'memory' or 'stream'.",
    );
  }
  const header = parseIdxHeader(bytes, path);
  checkIdxLength(header, size, path);
  const count = header.dims[0] as number;
  const recordBytes = count === 0 ? 0 : idxDataBytes(header) / count;
  const file = new RecordFile(path, { headerBytes: header.headerBytes, recordBytes, count });
  return { header, count, recordBytes, read: (i) => file.read(i), close: () => file.close() };
}

async function* fileChunks(path: string, gzipped: boolean): AsyncGenerator<Uint8Array> {
  const source = createReadStream(path);
  const stream = gzipped ? pipeline(source, createGunzip(), () => undefined) : source;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) yield chunk;
  } catch (err) {
    if (gzipped) {
      throw new Error(`${path} is not a valid gzip file or is truncated (${(err as Error).message}); download it again.`);
    }
    throw new Error(`IDX file ${path}: read failed: ${(err as Error).message}`);
  } finally {
    source.destroy();
  }
}

/** An IDX file read front to back: its header, then its records one at a time. */
export interface IdxStream {
  readonly header: IdxHeader;
  /** Number of records, `dims[0]`. */
  readonly count: number;
  /** Bytes per record. */
  readonly recordBytes: number;
  /** The records in order (each a fresh array); throws if the file ends early or has trailing bytes. */
  readonly records: AsyncGenerator<Uint8Array>;
}

/**
 * Opens an IDX file (plain or gzip) as a stream of records, holding only one chunk in memory, so
 * files larger than memory can be read. The header is parsed before this resolves.
 */
export async function openIdxStream(path: string, hint = ''): Promise<IdxStream> {
  const { bytes: head, size } = await peek(path, 2, hint);
  if (size === 0) throw new Error(`IDX file ${path}: truncated; the file is empty. Download it again.`);
  const chunks = fileChunks(path, isGzip(head));
  let buffer = new Uint8Array(0);
  let ended = false;
  const pull = async (): Promise<boolean> => {
    const next = await chunks.next();
    if (next.done) {
      ended = true;
      return false;
    }
    const merged = new Uint8Array(buffer.length + next.value.length);
    merged.set(buffer, 0);
    merged.set(next.value, buffer.length);
    buffer = merged;
    return true;
  };
  while (buffer.length < 4 && (await pull()));
  const rank = buffer[3] ?? 0;
  while (buffer.length < 4 + 4 * rank && (await pull()));
  const header = parseIdxHeader(buffer, path);
  buffer = buffer.subarray(header.headerBytes);
  const count = header.dims[0] as number;
  const recordBytes = count === 0 ? 0 : idxDataBytes(header) / count;

  async function* records(): AsyncGenerator<Uint8Array> {
    try {
      for (let i = 0; i < count; i++) {
        while (buffer.length < recordBytes && !ended) await pull();
        if (buffer.length < recordBytes) {
          throw new Error(
            `IDX file ${path}: truncated; its header announces ${count} records of ${recordBytes} bytes but the data ` +
              `ends inside record ${i}. Download it again.`,
          );
        }
        yield buffer.slice(0, recordBytes);
        buffer = buffer.subarray(recordBytes);
      }
      while (!ended && buffer.length === 0) await pull();
      if (buffer.length > 0) {
        throw new Error(
          `IDX file ${path}: unexpected bytes after the ${count} records its header announces; the file is corrupt ` +
            'or its header is wrong.',
        );
      }
    } finally {
      await chunks.return(undefined);
    }
  }
  return { header, count, recordBytes, records: records() };
}

