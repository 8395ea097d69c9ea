import type { CheckpointContents, LoadedCheckpoint } from './checkpoint-contents';
import { CheckpointError, UNUSABLE_CHECKPOINT_ADVICE } from './checkpoint-error';
import { decodeCheckpoint } from './decode-checkpoint';
import { encodeCheckpoint } from './encode-checkpoint';

/** A file the user picked (a DOM `File` or `Blob`), as far as {@link readCheckpointFile} needs it. */
export interface PickedFile {
  /** The file name, used in messages. */
  readonly name?: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

// The parts of the DOM used here (this package's TypeScript lib has no DOM types).
interface DomAnchor {
  href: string;
  download: string;
  rel: string;
  click(): void;
  remove(): void;
  style: { display: string };
}
interface DomDocument {
  createElement(tag: 'a'): DomAnchor;
  body: { appendChild(node: DomAnchor): unknown };
}
interface BlobConstructor {
  new (parts: Uint8Array[], options: { type: string }): object;
}
interface UrlStatic {
  createObjectURL(blob: object): string;
  revokeObjectURL(url: string): void;
}

/**
 * Reads a checkpoint file the user picked in a page (an `<input type="file">`'s `File`, or a
 * dropped one) and verifies it like `loadCheckpoint`: the bytes are those `saveCheckpoint` writes
 * in Node or in a browser. The returned tensors belong to the caller (`disposeCheckpoint`).
 * Throws a {@link CheckpointError} naming the file and the problem (not a checkpoint, truncated,
 * checksum mismatch, ...).
 */
export async function readCheckpointFile(file: PickedFile): Promise<LoadedCheckpoint> {
  const name = file.name ?? 'picked file';
  let buffer: ArrayBuffer;
  try {
    buffer = await file.arrayBuffer();
  } catch (err) {
    throw new CheckpointError('read-failed', name, `Could not read ${name} (${(err as Error).message}). ${UNUSABLE_CHECKPOINT_ADVICE}`, {
      cause: err,
    });
  }
  return decodeCheckpoint(new Uint8Array(buffer), name);
}

/**
 * Offers a checkpoint to the user as a file download from a page (`fileName`, default
 * `checkpoint.ckpt`): `contents` are encoded like `saveCheckpoint` does, or `bytes` from
 * `encodeCheckpoint` are used as they are. The file loads in Node with `loadCheckpoint` and in a
 * page with {@link readCheckpointFile}. Returns the number of bytes offered. Throws outside a
 * page (no `document`).
 */
export async function downloadCheckpoint(checkpoint: CheckpointContents | Uint8Array, fileName = 'checkpoint.ckpt'): Promise<number> {
  const g = globalThis as { document?: DomDocument; Blob?: BlobConstructor; URL?: UrlStatic };
  if (!g.document || !g.Blob || !g.URL?.createObjectURL) {
    throw new Error(
      'downloadCheckpoint: needs a page (document, Blob and URL.createObjectURL); under Node use saveCheckpoint(path, contents).',
    );
  }
  const bytes = checkpoint instanceof Uint8Array ? checkpoint : await encodeCheckpoint(checkpoint);
  const url = g.URL.createObjectURL(new g.Blob([bytes], { type: 'application/octet-stream' }));
  const anchor = g.document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  anchor.rel = 'noopener';
  anchor.style.display = 'none';
  g.document.body.appendChild(anchor);
  anchor.click();
  anchor.remove();
  // Let the download start before the object URL goes away.
  setTimeout(() => g.URL?.revokeObjectURL(url), 30_000);
  return bytes.byteLength;
}
