import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { type ReadEntry, list } from 'tar';
import { DataFileError } from './data-file-error';
import { errorCode } from './read-data-file';

/**
 * Reads the regular files named `wanted` (matched by base name, in any folder of the archive)
 * from a `.tar` or `.tar.gz` archive in one streaming pass, keeping only those files in memory.
 * Returns them by base name; names not in the archive are absent from the map. A missing,
 * truncated or corrupt archive throws a {@link DataFileError} naming it.
 *
 * @param hint Appended to the "not found" and "corrupt" messages, e.g. where to get the archive.
 */
export async function readTarMembers(archive: string, wanted: readonly string[], hint = ''): Promise<Map<string, Uint8Array>> {
  const tail = hint ? ` ${hint}` : '';
  let isFile: boolean;
  try {
    isFile = (await stat(archive)).isFile();
  } catch (err) {
    if (errorCode(err) === 'ENOENT') throw new DataFileError('missing', archive, `Archive not found: ${archive}.${tail}`, { cause: err });
    throw new DataFileError('unreadable', archive, `Archive ${archive}: cannot read it (${(err as Error).message}).${tail}`, {
      cause: err,
    });
  }
  if (!isFile) throw new DataFileError('unreadable', archive, `Archive ${archive} is not a file.${tail}`);
  const want = new Set(wanted);
  const found = new Map<string, Uint8Array>();
  const pending: Promise<void>[] = [];
  try {
    await list({
      file: archive,
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const name = basename(entry.path);
        if (entry.type !== 'File' && entry.type !== 'OldFile') return;
        if (!want.has(name)) return;
        const chunks: Buffer[] = [];
        entry.on('data', (c: Buffer) => chunks.push(c));
        pending.push(
          new Promise<void>((resolve) => {
            entry.on('end', () => {
              const all = Buffer.concat(chunks);
              found.set(name, new Uint8Array(all.buffer, all.byteOffset, all.byteLength));
              resolve();
            });
          }),
        );
      },
    });
  } catch (err) {
    throw new DataFileError(
      'corrupt',
      archive,
      `Archive ${archive} is corrupt or truncated (${(err as Error).message}); it must be a complete .tar or .tar.gz file.` + tail,
      { cause: err },
    );
  }
  await Promise.all(pending);
  return found;
}
