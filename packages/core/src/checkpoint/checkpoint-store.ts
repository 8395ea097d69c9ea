/**
 * Where the bytes being saved go while a checkpoint is written: `write` appends. A Node
 * `FileHandle` is one; the IndexedDB store collects the chunks and commits them at the end.
 */
export interface CheckpointWriteTarget {
  /** Appends `data`. */
  write(data: Uint8Array): Promise<unknown>;
}

/** Options of {@link CheckpointStore.write}. */
export interface CheckpointStoreWriteOptions {
  /**
   * Writes the encoded bytes into the not-yet-committed target; default: all at once. Meant for
   * tests that simulate a failure (e.g. a full disk) in the middle of a write.
   */
  write?: (target: CheckpointWriteTarget, bytes: Uint8Array) => Promise<void>;
}

/**
 * Storage for checkpoint files by path: the file system under Node, IndexedDB in a browser
 * (`runtimePlatform().checkpoints`). Paths use `/` between a directory and a name. Every method
 * throws a `CheckpointError` naming the path, the problem and the fix.
 */
export interface CheckpointStore {
  /** In words, for messages: `file system` or `IndexedDB database "..."`. */
  readonly description: string;
  /**
   * Stores `bytes` at `path` atomically: a failure at any point leaves the previous checkpoint at
   * `path` (if any) as it was.
   */
  write(path: string, bytes: Uint8Array, options?: CheckpointStoreWriteOptions): Promise<void>;
  /** The bytes stored at `path` (`CheckpointError` of kind `missing` when there are none). */
  read(path: string): Promise<Uint8Array>;
  /** Names (not paths) of the entries directly inside `dir`; empty when `dir` does not exist. */
  list(dir: string): Promise<string[]>;
  /** Deletes the checkpoint at `path`; nothing happens when there is none. */
  remove(path: string): Promise<void>;
  /**
   * Removes what interrupted saves in `dir` left behind (temporary files of writers that no longer
   * run) and returns their paths; stores whose saves leave nothing behind (IndexedDB) omit it.
   */
  removeStale?(dir: string): Promise<string[]>;
}
