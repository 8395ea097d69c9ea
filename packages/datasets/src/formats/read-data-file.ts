import { readFile } from 'node:fs/promises';
import { DataFileError } from './data-file-error';

/** Whether bytes start with the gzip magic `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Error code of a Node.js system error, if any. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Reads a whole file. A missing or unreadable file throws a {@link DataFileError} naming the
 * path, what it should hold, and `hint` (where to get it).
 */
export async function readFileBytes(path: string, what: string, hint = ''): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (err) {
    const code = errorCode(err);
    const tail = hint ? ` ${hint}` : '';
    if (code === 'ENOENT') throw new DataFileError('missing', path, `${what} not found: ${path}.${tail}`, { cause: err });
    if (code === 'EISDIR') {
      throw new DataFileError('unreadable', path, `${what}: ${path} is a directory, not a file.${tail}`, { cause: err });
    }
    throw new DataFileError(
      'unreadable',
      path,
      `${what}: cannot read ${path}: ${(err as Error).message}. Check that it is a readable file.`,
      { cause: err },
    );
  }
}
