import { createGunzip } from 'node:zlib';
import { DataFileError } from './data-file-error';
import { type IdxHeader, idxDataBytes, parseIdxHeader } from './idx-format';

/**
 * The most bytes DEFLATE (the compression of gzip) can unpack one compressed byte into: a match of
 * 258 bytes coded in 2 bits. Whatever a gzip file says, it cannot unpack to more than this many
 * times its size, so a header that announces more is forged or belongs to a cut-off file.
 */
export const MAX_DEFLATE_RATIO = 1032;

/** The bytes a gzip-compressed IDX file with `header` unpacks to: header plus data. */
function announcedBytes(header: IdxHeader): number {
  return header.headerBytes + idxDataBytes(header);
}

/**
 * Throws a {@link DataFileError} (`truncated`) when an IDX header unpacked from a gzip file of
 * `compressedBytes` bytes announces more than such a file can unpack to
 * ({@link MAX_DEFLATE_RATIO} times its size), before anything of that size is allocated.
 */
export function checkGzipCanHold(header: IdxHeader, compressedBytes: number, file: string): void {
  const announced = announcedBytes(header);
  const most = compressedBytes * MAX_DEFLATE_RATIO;
  if (announced > most) {
    throw new DataFileError(
      'truncated',
      file,
      `IDX file ${file}: its header announces dims [${header.dims.join(', ')}] of ${header.dataType} (${announced} bytes), ` +
        `but a gzip file of ${compressedBytes} bytes unpacks to at most ${most} bytes: the file is cut off or its header ` +
        'is forged. Download it again.',
    );
  }
}

function joined(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * Unpacks a gzip-compressed IDX file without trusting it: the IDX header is unpacked first, and
 * the rest only up to the size that header announces (checked against what the compressed size
 * allows, see {@link checkGzipCanHold}), plus one byte to tell trailing bytes. A zip bomb (a small
 * file that unpacks to gigabytes) thus costs at most the announced size, never what the stream
 * would produce. Returns the unpacked bytes for `decodeIdx`, which reports a short or long result;
 * a damaged stream throws a {@link DataFileError} (`corrupt`), an impossible header the
 * `parseIdxHeader` / {@link checkGzipCanHold} errors.
 */
export async function gunzipIdx(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  const gunzip = createGunzip();
  gunzip.end(bytes);
  const head: Uint8Array[] = [];
  let headLength = 0;
  let out: Uint8Array | undefined;
  let filled = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let data: Uint8Array = chunk;
      if (out === undefined) {
        head.push(chunk);
        headLength += chunk.length;
        const start = joined(head, headLength);
        const rank = start[3] ?? 0;
        // a plausible magic (0x0000....) whose dimensions have not all arrived yet: wait for them
        if (headLength < 4 || (start[0] === 0 && start[1] === 0 && headLength < 4 + 4 * rank)) continue;
        const header = parseIdxHeader(start, file);
        checkGzipCanHold(header, bytes.byteLength, file);
        out = new Uint8Array(announcedBytes(header) + 1);
        data = start;
      }
      const n = Math.min(data.length, out.length - filled);
      out.set(data.subarray(0, n), filled);
      filled += n;
      if (filled === out.length) break; // a byte past the announced end: enough to report trailing bytes
    }
  } catch (err) {
    if (err instanceof DataFileError) throw err;
    throw new DataFileError(
      'corrupt',
      file,
      `${file} is not a valid gzip file or is truncated (${(err as Error).message}); download it again.`,
      { cause: err },
    );
  } finally {
    gunzip.destroy();
  }
  return out === undefined ? joined(head, headLength) : out.subarray(0, filled);
}
