import { version as LIBRARY_VERSION } from '../../package.json';
import type { StoredDtype } from './checkpoint-header';

/**
 * File layout (all integers little-endian):
 *
 * | bytes | content |
 * |---|---|
 * | 8 | magic `\x89AITCKPT` |
 * | 4 | format version (uint32) |
 * | 4 | header length H in bytes (uint32) |
 * | 8 | payload length P in bytes (uint64) |
 * | H | header: UTF-8 JSON (config, position, RNG states, optimiser, tensor index, metadata) |
 * | P | payload: raw tensor bytes, at the offsets the tensor index gives |
 * | 32 | SHA-256 of everything before it |
 *
 * `encodeCheckpoint` writes this layout and `decodeCheckpoint` reads and verifies it.
 */
export const CHECKPOINT_MAGIC: Uint8Array = Uint8Array.from([0x89, 0x41, 0x49, 0x54, 0x43, 0x4b, 0x50, 0x54]);

/** The checkpoint format version this library writes and reads. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** Version of `@ait/core` recorded in every checkpoint it writes. */
export const CHECKPOINT_LIBRARY_VERSION: string = LIBRARY_VERSION;

/** One entry of a checkpoint's tensor index (where a tensor's bytes lie in the payload). */
export interface CheckpointTensorEntry {
  /** Weight name, or for optimiser moments the parameter name. */
  readonly name: string;
  readonly group: 'weights' | 'optimizer';
  /** For `optimizer` entries: which moment (`m` first, `v` second). */
  readonly slot?: 'm' | 'v';
  readonly shape: number[];
  readonly dtype: StoredDtype;
  /** Byte offset inside the payload. */
  readonly offset: number;
  /** Byte length: `prod(shape) * bytesPerElement(dtype)`. */
  readonly length: number;
}
