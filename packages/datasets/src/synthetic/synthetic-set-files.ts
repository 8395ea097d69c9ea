import { join } from 'node:path';
import { type IdxRecordFile, openIdxRecordFile, readIdxFile } from '../formats/idx-file';
import { type IdxHeader, formatMagic } from '../formats/idx-format';
import { IdxWriter } from '../formats/idx-writer';

/** Throws unless an IDX file holds unsigned bytes of exactly `dims` (the shape its manifest implies). */
export function expectIdxDims(header: IdxHeader, dims: readonly number[], file: string, manifest: string): void {
  const same = header.dataType === 'uint8' && header.dims.length === dims.length && header.dims.every((d, i) => d === dims[i]);
  if (!same) {
    throw new Error(
      `${file} holds ${header.dataType} [${header.dims.join(', ')}] (magic ${formatMagic(header.magic)}) but ${manifest} ` +
        `implies uint8 [${dims.join(', ')}]; the files do not belong together or one is corrupt. Write the set again.`,
    );
  }
}

/** The IDX files of a written synthetic set, held in memory (`memory`) or open for random access (`disk`). */
export type OpenedIdx = { kind: 'memory'; data: Uint8Array; recordBytes: number } | { kind: 'disk'; file: IdxRecordFile };

/** Opens one IDX file of a synthetic set and checks its shape against the manifest. */
export async function openSetFile(
  dir: string,
  name: string,
  dims: readonly number[],
  mode: 'memory' | 'disk',
  manifest: string,
): Promise<OpenedIdx> {
  const path = join(dir, name);
  const hint = `${manifest} lists it, so the set is incomplete; write it again.`;
  if (mode === 'memory') {
    const idx = await readIdxFile(path, hint);
    expectIdxDims(idx.header, dims, path, manifest);
    return { kind: 'memory', data: idx.data as Uint8Array, recordBytes: dims.slice(1).reduce((a, b) => a * b, 1) };
  }
  const file = await openIdxRecordFile(path, hint);
  try {
    expectIdxDims(file.header, dims, path, manifest);
  } catch (err) {
    await file.close();
    throw err;
  }
  return { kind: 'disk', file };
}

/** Reads record `index` of an opened set file. */
export async function readRecord(f: OpenedIdx, index: number): Promise<Uint8Array> {
  return f.kind === 'memory' ? f.data.subarray(index * f.recordBytes, (index + 1) * f.recordBytes) : f.file.read(index);
}

/** Reads record `index` of a set file held in memory. */
export function memoryRecord(f: OpenedIdx, index: number): Uint8Array {
  if (f.kind !== 'memory') throw new Error('memoryRecord: the file is not held in memory.');
  return f.data.subarray(index * f.recordBytes, (index + 1) * f.recordBytes);
}

/** Closes the set files that are open on disk. */
export async function closeSetFiles(files: readonly OpenedIdx[]): Promise<void> {
  await Promise.all(files.map((f) => (f.kind === 'disk' ? f.file.close() : undefined)));
}

/** Creates one IDX writer per file; on failure, removes those already created. */
export async function createWriters(dir: string, specs: readonly { name: string; dims: readonly number[] }[]): Promise<IdxWriter[]> {
  const writers: IdxWriter[] = [];
  try {
    for (const s of specs) writers.push(await IdxWriter.create(join(dir, s.name), s.dims));
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort()));
    throw err;
  }
  return writers;
}
