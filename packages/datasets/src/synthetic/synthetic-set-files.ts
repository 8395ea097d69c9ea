import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type AsyncRandomAccessDataset, type DatasetInfo, type RandomAccessDataset, type Sample } from '../dataset/dataset';
import { type IdxRecordFile, openIdxRecordFile, readIdxFile } from '../formats/idx-file';
import { type IdxHeader, formatMagic } from '../formats/idx-format';
import { IdxWriter } from '../formats/idx-writer';
import { MANIFEST_FILE, type SyntheticManifest } from './synthetic-manifest';
import { writeManifest } from './synthetic-manifest-file';
import { checkIndex } from './synthetic-options';

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

/** How {@link writeSetFiles} reports progress: after every `every` records and at the end, with (written, total). */
export interface SetWriteProgress {
  readonly every: number;
  readonly onProgress?: ((written: number, total: number) => void) | undefined;
}

/**
 * Writes a synthetic set into folder `dir` one record at a time: one IDX file per role of
 * `manifest.files` with the shape `dims[role]` (`[count, ...]`), filled by `writeRecord(index,
 * writers)` for every index in `[0, manifest.count)`, then `manifest.json` last. On a failure the
 * IDX files made so far are removed and the error is rethrown. Returns the manifest.
 */
export async function writeSetFiles<K extends string>(
  dir: string,
  manifest: SyntheticManifest & { readonly files: Readonly<Record<K, string>> },
  dims: Readonly<Record<K, readonly number[]>>,
  progress: SetWriteProgress,
  writeRecord: (index: number, writers: Readonly<Record<K, IdxWriter>>) => Promise<void>,
): Promise<SyntheticManifest> {
  const roles = Object.keys(dims) as K[];
  const n = manifest.count;
  await mkdir(dir, { recursive: true });
  const writers = await createWriters(
    dir,
    roles.map((role) => ({ name: manifest.files[role], dims: dims[role] })),
  );
  const byRole = Object.fromEntries(roles.map((role, k) => [role, writers[k]])) as Record<K, IdxWriter>;
  try {
    for (let i = 0; i < n; i++) {
      await writeRecord(i, byRole);
      if ((i + 1) % progress.every === 0 || i + 1 === n) progress.onProgress?.(i + 1, n);
    }
    for (const w of writers) await w.close();
  } catch (err) {
    await Promise.all(writers.map((w) => w.abort()));
    throw err;
  }
  await writeManifest(dir, manifest);
  return manifest;
}

/** The IDX files of a synthetic set opened by {@link openSetFiles}, by role, with their paths. */
export interface OpenedSetFiles<K extends string> {
  readonly files: Readonly<Record<K, OpenedIdx>>;
  /** Path of each role's file (for error messages). */
  readonly paths: Readonly<Record<K, string>>;
  /** Closes the files that are open on disk. */
  close(): Promise<void>;
}

/**
 * Opens the IDX files of a written synthetic set: for each role of `specs`, the file the manifest
 * `m` names (or `defaults[role]` when it names none), checked against `specs[role].dims` and held
 * in memory or opened on disk as `specs[role].mode` says. On a failure the files opened so far
 * are closed and the error is rethrown.
 */
export async function openSetFiles<K extends string>(
  dir: string,
  m: SyntheticManifest,
  defaults: Readonly<Record<K, string>>,
  specs: Readonly<Record<K, { readonly dims: readonly number[]; readonly mode: 'memory' | 'disk' }>>,
): Promise<OpenedSetFiles<K>> {
  const where = join(dir, MANIFEST_FILE);
  const named = m.files as Record<string, string | undefined>;
  const roles = Object.keys(specs) as K[];
  const names = roles.map((role) => named[role] ?? defaults[role]);
  const opened: OpenedIdx[] = [];
  try {
    for (const [k, role] of roles.entries())
      opened.push(await openSetFile(dir, names[k] as string, specs[role].dims, specs[role].mode, where));
  } catch (err) {
    await closeSetFiles(opened);
    throw err;
  }
  return {
    files: Object.fromEntries(roles.map((role, k) => [role, opened[k]])) as Record<K, OpenedIdx>,
    paths: Object.fromEntries(roles.map((role, k) => [role, join(dir, names[k] as string)])) as Record<K, string>,
    close: () => closeSetFiles(opened),
  };
}

/**
 * A written set as a data set: `get` (mode `memory`) or `read` (mode `disk`), each first checking
 * that the index lies in `[0, info.size)`.
 */
export function setDataset<E>(
  info: DatasetInfo & { readonly size: number },
  mode: 'memory' | 'disk',
  fromMemory: (index: number) => Sample<E>,
  fromDisk: (index: number) => Promise<Sample<E>>,
): RandomAccessDataset<E> | AsyncRandomAccessDataset<E> {
  if (mode === 'memory') {
    return {
      ...info,
      access: 'random',
      get(index: number) {
        checkIndex(info.name, index, info.size);
        return fromMemory(index);
      },
    };
  }
  return {
    ...info,
    access: 'async-random',
    async read(index: number) {
      checkIndex(info.name, index, info.size);
      return fromDisk(index);
    },
  };
}
