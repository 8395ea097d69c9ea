import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { type IdxDataType, encodeIdxHeader } from './idx-format';

const FLUSH_BYTES = 1 << 20;

/**
 * Writes an uncompressed unsigned-byte IDX file record by record, holding at most about 1 MiB in
 * memory, so large sets can be written in streaming fashion. The file appears under its name only
 * when {@link IdxWriter.close} succeeds (it is written to a temporary name first).
 */
export class IdxWriter {
  private handle: FileHandle | undefined;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private written = 0;
  private readonly temp: string;
  private readonly recordBytes: number;

  private constructor(
    readonly path: string,
    readonly dims: readonly number[],
  ) {
    this.temp = `${path}.tmp-${process.pid}`;
    this.recordBytes = dims.slice(1).reduce((a, b) => a * b, 1);
  }

  /** Creates the file (under a temporary name) and writes the header for `dims` (unsigned bytes). */
  static async create(path: string, dims: readonly number[], dataType: IdxDataType = 'uint8'): Promise<IdxWriter> {
    if (dataType !== 'uint8') throw new Error('IdxWriter: only unsigned-byte IDX files are written.');
    const w = new IdxWriter(path, dims);
    w.handle = await open(w.temp, 'w');
    await w.handle.write(encodeIdxHeader('uint8', dims));
    return w;
  }

  /** Appends one record of `dims[1] * dims[2] * ...` bytes. */
  async append(record: Uint8Array): Promise<void> {
    if (record.length !== this.recordBytes) {
      throw new Error(`IdxWriter ${this.path}: a record must have ${this.recordBytes} bytes, got ${record.length}.`);
    }
    this.chunks.push(record.slice());
    this.buffered += record.length;
    this.written += 1;
    if (this.buffered >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.buffered === 0 || !this.handle) return;
    const all = new Uint8Array(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.chunks = [];
    this.buffered = 0;
    await this.handle.write(all);
  }

  /** Flushes, checks that `dims[0]` records were written, closes and moves the file to its name. */
  async close(): Promise<void> {
    await this.flush();
    await this.handle?.close();
    this.handle = undefined;
    if (this.written !== this.dims[0]) {
      await rm(this.temp, { force: true });
      throw new Error(`IdxWriter ${this.path}: ${this.written} records written but the header announces ${this.dims[0]}.`);
    }
    await rename(this.temp, this.path);
  }

  /** Closes and deletes the partial file. */
  async abort(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    await rm(this.temp, { force: true });
  }
}
