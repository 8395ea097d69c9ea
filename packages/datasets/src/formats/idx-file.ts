import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataFileError } from './data-file-error';
import { type IdxArray, type IdxHeader, checkIdxLength, decodeIdx, idxDataBytes, parseIdxHeader } from './idx-format';
import { checkGzipCanHold, gunzipIdx } from './idx-gunzip';
import { errorCode, isGzip, readFileBytes } from './read-data-file';
import { RecordFile } from './record-file';

export { MAX_DEFLATE_RATIO } from './idx-gunzip';

/**
 * Reads a whole IDX file, plain or gzip-compressed (detected from its first bytes). A gzip file is
 * unpacked only up to the size its IDX header announces, and a header announcing more than the
 * compressed size allows ({@link MAX_DEFLATE_RATIO} times) is refused first, so that a zip bomb
 * fails with an error instead of filling the memory. Errors are {@link DataFileError}s naming the
 * file and the problem (missing, not gzip, bad magic, truncated, trailing bytes, impossible header).
 *
 * @param hint Appended to the "not found" message, e.g. where to download the file.
 */
export async function readIdxFile(path: string, hint = ''): Promise<IdxArray> {
  const bytes = await readFileBytes(path, 'IDX file', hint);
  // a gzip file unpacks only as far as its IDX header announces (see gunzipIdx)
  return decodeIdx(isGzip(bytes) ? await gunzipIdx(bytes, path) : bytes, path);
}

async function peek(path: string, length: number, hint: string): Promise<{ bytes: Uint8Array; size: number }> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    if (errorCode(err) === 'ENOENT') {
      throw new DataFileError('missing', path, `IDX file not found: ${path}.${hint ? ` ${hint}` : ''}`, { cause: err });
    }
    throw new DataFileError(
      'unreadable',
      path,
      `IDX file ${path}: cannot open it: ${(err as Error).message}. Check that it is a readable file.`,
      {
        cause: err,
      },
    );
  }
  try {
    const stats = await fh.stat();
    if (!stats.isFile())
      throw new DataFileError('unreadable', path, `IDX file ${path} is not a regular file (a folder?).${hint ? ` ${hint}` : ''}`);
    const size = stats.size;
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
 * checks the header and that the file size matches it. A gzip file throws a
 * {@link DataFileError} (it has no random access): unpack it with `gunzip`, or read it whole or
 * as a stream.
 */
export async function openIdxRecordFile(path: string, hint = ''): Promise<IdxRecordFile> {
  const { bytes, size } = await peek(path, 4 + 4 * 255, hint);
  if (isGzip(bytes)) {
    throw new DataFileError(
      'wrong-format',
      path,
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
      throw new DataFileError(
        'corrupt',
        path,
        `${path} is not a valid gzip file or is truncated (${(err as Error).message}); download it again.`,
        { cause: err },
      );
    }
    throw new DataFileError('unreadable', path, `IDX file ${path}: read failed: ${(err as Error).message}. Check the file and the disk.`, {
      cause: err,
    });
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
 * files larger than memory can be read. The header is parsed before this resolves, and for a
 * plain file checked against the file size. Errors are {@link DataFileError}s naming the file.
 */
export async function openIdxStream(path: string, hint = ''): Promise<IdxStream> {
  const { bytes: head, size } = await peek(path, 2, hint);
  if (size === 0) throw new DataFileError('truncated', path, `IDX file ${path}: truncated; the file is empty. Download it again.`);
  const gzipped = isGzip(head);
  const chunks = fileChunks(path, gzipped);
  // Chunks read but not yet consumed, kept as a list so that a large record costs one copy,
  // not one per chunk.
  const pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let ended = false;
  const fill = async (bytes: number): Promise<void> => {
    while (pendingBytes < bytes && !ended) {
      const next = await chunks.next();
      if (next.done) ended = true;
      else if (next.value.length > 0) {
        pending.push(next.value);
        pendingBytes += next.value.length;
      }
    }
  };
  /** Removes and returns the first `bytes` pending bytes (a fresh array); `pendingBytes >= bytes`. */
  const take = (bytes: number): Uint8Array => {
    const out = new Uint8Array(bytes);
    let at = 0;
    while (at < bytes) {
      const first = pending[0] as Uint8Array;
      const n = Math.min(first.length, bytes - at);
      out.set(first.subarray(0, n), at);
      at += n;
      if (n === first.length) pending.shift();
      else pending[0] = first.subarray(n);
    }
    pendingBytes -= bytes;
    return out;
  };
  const peekHead = (bytes: number): Uint8Array => {
    const out = take(Math.min(bytes, pendingBytes));
    pending.unshift(out);
    pendingBytes += out.length;
    return out;
  };
  let header: IdxHeader;
  try {
    await fill(4);
    const rank = peekHead(4)[3] ?? 0;
    await fill(4 + 4 * rank);
    header = parseIdxHeader(peekHead(4 + 4 * rank), path);
    // a gzip file has no size to check, but cannot unpack to more than a multiple of its own: this
    // bounds the record size, and so the memory one record takes
    if (gzipped) checkGzipCanHold(header, size, path);
    else checkIdxLength(header, size, path);
  } catch (err) {
    await chunks.return(undefined);
    throw err;
  }
  take(header.headerBytes);
  const count = header.dims[0] as number;
  const recordBytes = count === 0 ? 0 : idxDataBytes(header) / count;

  async function* records(): AsyncGenerator<Uint8Array> {
    try {
      for (let i = 0; i < count; i++) {
        await fill(recordBytes);
        if (pendingBytes < recordBytes) {
          throw new DataFileError(
            'truncated',
            path,
            `IDX file ${path}: truncated; its header announces ${count} records of ${recordBytes} bytes but the data ` +
              `ends inside record ${i}. Download it again.`,
          );
        }
        yield take(recordBytes);
      }
      await fill(1);
      if (pendingBytes > 0) {
        throw new DataFileError(
          'trailing-bytes',
          path,
          `IDX file ${path}: unexpected bytes after the ${count} records its header announces; the file is corrupt ` +
            'or its header is wrong.',
        );
      }
    } finally {
      await chunks.return(undefined);
    }
  }
  return { header, count, recordBytes, records: closingOnReturn(records(), () => chunks.return(undefined)) };
}

/**
 * `gen`, whose `return` and `throw` also run `close`: a generator that was never started skips its
 * `finally` blocks, which would leave the file open when a caller stops before the first record.
 */
function closingOnReturn<T>(gen: AsyncGenerator<T>, close: () => Promise<unknown>): AsyncGenerator<T> {
  const wrapped: AsyncGenerator<T> = {
    next: (...args) => gen.next(...args),
    async return(value) {
      try {
        return await gen.return(value);
      } finally {
        await close();
      }
    },
    async throw(err) {
      try {
        return await gen.throw(err);
      } finally {
        await close();
      }
    },
    [Symbol.asyncIterator]: () => wrapped,
  };
  return wrapped;
}
