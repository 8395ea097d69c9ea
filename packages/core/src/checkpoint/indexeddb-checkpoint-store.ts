import { CheckpointError, UNUSABLE_CHECKPOINT_ADVICE } from './checkpoint-error';
import type { CheckpointStore, CheckpointStoreWriteOptions, CheckpointWriteTarget } from './checkpoint-store';
import { checkpointWriteFailed } from './checkpoint-write-failed';

// The parts of the IndexedDB API used here (this package's TypeScript lib has no DOM types).
interface IdbRequest<T> {
  result: T;
  error: { message: string } | null;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: (() => void) | null;
  onblocked: (() => void) | null;
}
interface IdbObjectStore {
  put(value: unknown, key: string): IdbRequest<unknown>;
  get(key: string): IdbRequest<unknown>;
  delete(key: string): IdbRequest<undefined>;
  getAllKeys(range: unknown): IdbRequest<unknown[]>;
}
interface IdbTransaction {
  objectStore(name: string): IdbObjectStore;
  oncomplete: (() => void) | null;
  onerror: (() => void) | null;
  onabort: (() => void) | null;
  error: { message: string } | null;
}
interface IdbDatabase {
  objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): unknown;
  transaction(store: string, mode: 'readonly' | 'readwrite'): IdbTransaction;
  close(): void;
}
interface IdbFactory {
  open(name: string, version?: number): IdbOpenRequest;
}
interface IdbKeyRangeStatic {
  bound(lower: string, upper: string): unknown;
}

const OBJECT_STORE = 'checkpoints';

/** The default IndexedDB database of browser checkpoints. */
export const DEFAULT_CHECKPOINT_DATABASE = 'ait-checkpoints';

function indexedDbApi(): { factory: IdbFactory; keyRange: IdbKeyRangeStatic } | undefined {
  const g = globalThis as { indexedDB?: IdbFactory; IDBKeyRange?: IdbKeyRangeStatic };
  return g.indexedDB && g.IDBKeyRange ? { factory: g.indexedDB, keyRange: g.IDBKeyRange } : undefined;
}

function request<T>(req: IdbRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(new Error(req.error?.message ?? 'IndexedDB request failed'));
  });
}

function done(tx: IdbTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(new Error(tx.error?.message ?? 'IndexedDB transaction failed'));
    tx.onabort = () => reject(new Error(tx.error?.message ?? 'IndexedDB transaction aborted (storage quota exceeded?)'));
  });
}

/** Normalises a checkpoint path: `/` separators, no `./` segments, no repeated or trailing `/`. */
export function normalizeCheckpointPath(path: string): string {
  const parts = path
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  return (path.startsWith('/') ? '/' : '') + parts.join('/');
}

/**
 * A checkpoint store in the browser's IndexedDB (database `database`, default
 * {@link DEFAULT_CHECKPOINT_DATABASE}): each checkpoint file is one record keyed by its path, so
 * `saveCheckpoint('runs/a/ckpt.ckpt', …)`, `listCheckpoints('runs/a')` and the Trainer's
 * `checkpoint.dir` work in a page or worker as they do on disk, with the same bytes. A record is
 * written in one transaction, so an interrupted save leaves the previous checkpoint as it was.
 * Throws a `CheckpointError` in a runtime without IndexedDB.
 */
export function indexedDbCheckpointStore(database: string = DEFAULT_CHECKPOINT_DATABASE): CheckpointStore {
  const where = `IndexedDB database "${database}"`;
  let opening: Promise<IdbDatabase> | undefined;

  const api = (path: string): { factory: IdbFactory; keyRange: IdbKeyRangeStatic } => {
    const found = indexedDbApi();
    if (!found) {
      throw new CheckpointError(
        'read-failed',
        path,
        `Cannot use checkpoint ${path}: this JavaScript runtime has no IndexedDB. In Node, import "@ait/core" ` +
          '(its Node entry keeps checkpoints in files); in a browser, use a page or a worker with IndexedDB (not a ' +
          'private window that disables it).',
      );
    }
    return found;
  };

  const open = (path: string): Promise<IdbDatabase> => {
    const { factory } = api(path);
    opening ??= new Promise<IdbDatabase>((resolve, reject) => {
      const req = factory.open(database, 1);
      req.onupgradeneeded = () => {
        if (!req.result.objectStoreNames.contains(OBJECT_STORE)) req.result.createObjectStore(OBJECT_STORE);
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(new Error(req.error?.message ?? `could not open ${where}`));
      req.onblocked = () => reject(new Error(`${where} is blocked by another tab holding an older version open`));
    }).catch((err: unknown) => {
      opening = undefined;
      throw err;
    });
    return opening;
  };

  const write = async (rawPath: string, bytes: Uint8Array, options: CheckpointStoreWriteOptions = {}): Promise<void> => {
    const path = normalizeCheckpointPath(rawPath);
    let stage = `open ${where}`;
    try {
      const db = await open(path);
      stage = 'collect the bytes';
      const chunks: Uint8Array[] = [];
      const target: CheckpointWriteTarget = {
        write: async (data) => {
          chunks.push(data.slice());
        },
      };
      if (options.write) await options.write(target, bytes);
      else await target.write(bytes);
      const total = chunks.reduce((n, c) => n + c.byteLength, 0);
      const record = new Uint8Array(total);
      let at = 0;
      for (const c of chunks) {
        record.set(c, at);
        at += c.byteLength;
      }
      stage = `store the record in ${where}`;
      const tx = db.transaction(OBJECT_STORE, 'readwrite');
      const finished = done(tx);
      tx.objectStore(OBJECT_STORE).put(record.buffer, path);
      await finished;
    } catch (err) {
      if (err instanceof CheckpointError) throw err;
      throw checkpointWriteFailed(
        path,
        stage,
        err,
        'Free browser storage (delete old checkpoints or site data) or download the checkpoint as a file instead, then save again.',
      );
    }
  };

  const read = async (rawPath: string): Promise<Uint8Array> => {
    const path = normalizeCheckpointPath(rawPath);
    let value: unknown;
    try {
      const db = await open(path);
      value = await request(db.transaction(OBJECT_STORE, 'readonly').objectStore(OBJECT_STORE).get(path));
    } catch (err) {
      if (err instanceof CheckpointError) throw err;
      throw new CheckpointError(
        'read-failed',
        path,
        `Could not read checkpoint ${path} from ${where} (${(err as Error).message}). ${UNUSABLE_CHECKPOINT_ADVICE}`,
        { cause: err },
      );
    }
    if (value === undefined) {
      throw new CheckpointError(
        'missing',
        path,
        `Checkpoint ${path} does not exist in ${where}. Check the path (listCheckpoints(dir) lists the checkpoints ` +
          'of a run directory), or start training fresh without resuming.',
      );
    }
    if (value instanceof ArrayBuffer) return new Uint8Array(value);
    if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    throw new CheckpointError('read-failed', path, `Checkpoint ${path} in ${where} is not binary data. ${UNUSABLE_CHECKPOINT_ADVICE}`);
  };

  const list = async (rawDir: string): Promise<string[]> => {
    const dir = normalizeCheckpointPath(rawDir);
    const prefix = dir === '' ? '' : `${dir}/`;
    try {
      const db = await open(dir);
      const { keyRange } = api(dir);
      const keys = await request(
        db
          .transaction(OBJECT_STORE, 'readonly')
          .objectStore(OBJECT_STORE)
          .getAllKeys(keyRange.bound(prefix, `${prefix}\uffff`)),
      );
      return keys
        .filter((k): k is string => typeof k === 'string')
        .map((k) => k.slice(prefix.length))
        .filter((name) => name !== '' && !name.includes('/'));
    } catch (err) {
      if (err instanceof CheckpointError) throw err;
      throw new CheckpointError('read-failed', dir, `Could not list checkpoint directory ${dir} in ${where} (${(err as Error).message}).`, {
        cause: err,
      });
    }
  };

  const remove = async (rawPath: string): Promise<void> => {
    const path = normalizeCheckpointPath(rawPath);
    const db = await open(path);
    const tx = db.transaction(OBJECT_STORE, 'readwrite');
    const finished = done(tx);
    tx.objectStore(OBJECT_STORE).delete(path);
    await finished;
  };

  return { description: where, write, read, list, remove };
}
