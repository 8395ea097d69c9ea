import { type FileHandle, open } from 'node:fs/promises';
import { DataFileError } from './data-file-error';
import { errorCode } from './read-data-file';

/** Where the fixed-size records of a file lie: after `headerBytes`, `count` records of `recordBytes`. */
export interface RecordLayout {
  readonly headerBytes: number;
  readonly recordBytes: number;
  readonly count: number;
}

/**
 * Random access to the fixed-size records of an uncompressed file (IDX, CIFAR binary), read on
 * demand so that files larger than memory can be used. The file is opened on the first read and
 * stays open until {@link RecordFile.close}; reads may run concurrently.
 */
export class RecordFile {
  private handle: Promise<FileHandle> | undefined;

  /**
   * @param path The file.
   * @param layout Its record layout (the caller has checked it against the file size).
   */
  constructor(
    readonly path: string,
    readonly layout: RecordLayout,
  ) {}

  /** Reads record `index` (a fresh array of `recordBytes` bytes). */
  async read(index: number): Promise<Uint8Array> {
    const { headerBytes, recordBytes, count } = this.layout;
    if (!Number.isInteger(index) || index < 0 || index >= count) {
      throw new RangeError(`${this.path}: record ${index} is outside [0, ${count}).`);
    }
    this.handle ??= open(this.path, 'r');
    let fh: FileHandle;
    try {
      fh = await this.handle;
    } catch (err) {
      this.handle = undefined;
      const missing = errorCode(err) === 'ENOENT';
      throw new DataFileError(
        missing ? 'missing' : 'unreadable',
        this.path,
        `${this.path}: cannot open it to read record ${index} (${(err as Error).message}); it ` +
          `${missing ? 'was removed' : 'became unreadable'} after the data set was opened. Put it back, then open the data set again.`,
        { cause: err },
      );
    }
    const out = new Uint8Array(recordBytes);
    let done = 0;
    while (done < recordBytes) {
      const { bytesRead } = await fh.read(out, done, recordBytes - done, headerBytes + index * recordBytes + done);
      if (bytesRead === 0) {
        throw new DataFileError(
          'truncated',
          this.path,
          `${this.path}: truncated; record ${index} ends at byte ${headerBytes + (index + 1) * recordBytes} but the ` +
            'file ends earlier (it changed since it was opened, or is damaged). Download it again.',
        );
      }
      done += bytesRead;
    }
    return out;
  }

  /** Closes the file, if it was opened. */
  async close(): Promise<void> {
    const h = this.handle;
    this.handle = undefined;
    if (h) await (await h).close();
  }
}
