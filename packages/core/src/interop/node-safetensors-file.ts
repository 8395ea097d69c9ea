import { open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SafetensorsError } from './safetensors-error';
import { decodeSafetensorsValues, parseSafetensorsHeader, safetensorsHeaderLength, type TensorValues } from './safetensors-format';

/** Options of {@link readSafetensorsFile}. */
export interface ReadSafetensorsFileOptions {
  /** Read only these tensors (the others' bytes are never read); default all. */
  readonly names?: readonly string[];
}

/**
 * Reads a safetensors file (Node): the header first, checked against the file size, then the
 * bytes of each wanted tensor on its own, so memory holds one tensor's bytes at a time beside the
 * result and a corrupt header is refused before any large allocation. Throws a
 * {@link SafetensorsError} naming the file and the problem.
 */
export async function readSafetensorsFile(
  path: string,
  options: ReadSafetensorsFileOptions = {},
): Promise<{ metadata: Record<string, string>; tensors: Map<string, TensorValues> }> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw new SafetensorsError('read-failed', path, `Cannot open ${path}: ${(err as Error).message}.`, { cause: err });
  }
  try {
    const { size } = await file.stat();
    const first = new Uint8Array(8);
    await file.read(first, 0, Math.min(8, size), 0);
    const length = safetensorsHeaderLength(first, size, path);
    const prefix = new Uint8Array(8 + length);
    await file.read(prefix, 0, prefix.byteLength, 0);
    const header = parseSafetensorsHeader(prefix, size, path);
    const wanted = options.names ?? [...header.tensors.keys()];
    const tensors = new Map<string, TensorValues>();
    for (const name of wanted) {
      const e = header.tensors.get(name);
      if (!e)
        throw new SafetensorsError(
          'mismatch',
          path,
          `${path} has no tensor "${name}" (it has ${header.tensors.size}: ${[...header.tensors.keys()].slice(0, 8).join(', ')}${header.tensors.size > 8 ? ', ...' : ''}).`,
        );
      const raw = new Uint8Array(e.dataOffsets[1] - e.dataOffsets[0]);
      const { bytesRead } = await file.read(raw, 0, raw.byteLength, header.dataStart + e.dataOffsets[0]);
      if (bytesRead !== raw.byteLength)
        throw new SafetensorsError('truncated', path, `${path} ended while reading tensor "${name}"; the file is truncated.`);
      tensors.set(name, decodeSafetensorsValues(name, e, raw, path));
    }
    return { metadata: { ...header.metadata }, tensors };
  } finally {
    await file.close();
  }
}

/**
 * Writes safetensors bytes (from `encodeSafetensors` or `modelToSafetensors`) to `path`
 * atomically (Node): a temporary file in the same folder, renamed over `path`, so an interrupted
 * write leaves any earlier file intact.
 */
export async function writeSafetensorsFile(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.tmp-${process.pid}-${Date.now()}-${basename(path)}`);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new SafetensorsError('write-failed', path, `Cannot write ${path}: ${(err as Error).message}.`, { cause: err });
  }
}
