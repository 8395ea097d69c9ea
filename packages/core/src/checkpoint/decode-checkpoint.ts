import * as tf from '@tensorflow/tfjs-core';
import { runtimePlatform } from '../platform/runtime-platform';
import type { RandomState } from '../random/seeded-random';
import type { LoadedCheckpoint } from './checkpoint-contents';
import { CheckpointError, UNUSABLE_CHECKPOINT_ADVICE, type CheckpointErrorKind } from './checkpoint-error';
import { CHECKPOINT_FORMAT_VERSION, CHECKPOINT_LIBRARY_VERSION, CHECKPOINT_MAGIC, type CheckpointTensorEntry } from './checkpoint-format';
import {
  assertLittleEndian,
  BYTES_PER_ELEMENT,
  DIGEST_BYTES,
  headerSchema,
  PREAMBLE_BYTES,
  type CheckpointHeader,
} from './checkpoint-header';

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function label(path: string | undefined): string {
  return path === undefined ? 'checkpoint' : `checkpoint ${path}`;
}

function fail(kind: CheckpointErrorKind, path: string | undefined, what: string): never {
  throw new CheckpointError(kind, path, `Cannot use ${label(path)}: ${what}. ${UNUSABLE_CHECKPOINT_ADVICE}`);
}

/** The preamble's fields, after the magic, the version and the announced size have been checked. */
interface Preamble {
  readonly version: number;
  readonly headerLength: number;
  readonly payloadLength: number;
}

/** Checks magic, version and the file size the preamble announces. */
function readPreamble(buf: Uint8Array, path: string | undefined): Preamble {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const size = buf.byteLength;
  const magicLength = Math.min(size, CHECKPOINT_MAGIC.byteLength);
  if (!sameBytes(buf.subarray(0, magicLength), CHECKPOINT_MAGIC.subarray(0, magicLength))) {
    fail(
      'bad-magic',
      path,
      'it does not start with the AiT.js checkpoint magic bytes, so it is not an AiT.js checkpoint (or its start was overwritten)',
    );
  }
  if (size < PREAMBLE_BYTES + DIGEST_BYTES) {
    fail(
      'truncated',
      path,
      `it is truncated: only ${size} bytes, less than the ${PREAMBLE_BYTES + DIGEST_BYTES} of an empty checkpoint (the write was probably interrupted)`,
    );
  }
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(
      'unsupported-version',
      path,
      `Cannot use ${label(path)}: it has format version ${version}, but this @ait/core ` +
        `(${CHECKPOINT_LIBRARY_VERSION}) reads version ${CHECKPOINT_FORMAT_VERSION} only. ` +
        (version > CHECKPOINT_FORMAT_VERSION
          ? 'Upgrade @ait/core to read it, or resume from a checkpoint this version wrote.'
          : UNUSABLE_CHECKPOINT_ADVICE),
    );
  }
  const headerLength = view.getUint32(12, true);
  const payloadLength = view.getBigUint64(16, true);
  const expected = BigInt(PREAMBLE_BYTES + headerLength + DIGEST_BYTES) + payloadLength;
  if (BigInt(size) < expected) {
    fail(
      'truncated',
      path,
      `it is truncated: ${size} bytes instead of the ${expected} its preamble announces (the write was probably interrupted or the copy is incomplete)`,
    );
  }
  if (BigInt(size) > expected) {
    fail(
      'trailing-bytes',
      path,
      `it has ${BigInt(size) - expected} unexpected bytes after its end (${expected} bytes announced, ${size} found)`,
    );
  }
  return { version, headerLength, payloadLength: Number(payloadLength) };
}

function parseHeader(bytes: Uint8Array, path: string | undefined): CheckpointHeader {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (err) {
    fail('bad-header', path, `its header is not valid JSON (${(err as Error).message})`);
  }
  const parsed = headerSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('; ');
    fail('bad-header', path, `its header does not have the expected fields (${issues})`);
  }
  return parsed.data;
}

function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Checks the whole tensor index against the payload and the optimiser state, before any tensor is made. */
function checkTensorIndex(header: CheckpointHeader, payloadBytes: number, path: string | undefined): void {
  const seen = new Set<string>();
  for (const e of header.tensors) {
    const key = `${e.group}/${e.slot ?? ''}/${e.name}`;
    const where = `tensor "${e.name}" (${e.group}${e.slot ? ` ${e.slot}` : ''})`;
    if (seen.has(key)) fail('bad-tensor-index', path, `its tensor index lists ${where} twice`);
    seen.add(key);
    if ((e.group === 'optimizer') !== (e.slot !== undefined)) {
      fail('bad-tensor-index', path, `its tensor index entry ${where} has ${e.slot ? 'a' : 'no'} moment slot`);
    }
    const want = shapeSize(e.shape) * BYTES_PER_ELEMENT[e.dtype];
    if (e.length !== want) {
      fail('bad-tensor-index', path, `${where} has ${e.length} bytes but shape [${e.shape.join(', ')}] of ${e.dtype} needs ${want}`);
    }
    if (e.offset + e.length > payloadBytes) {
      fail(
        'bad-tensor-index',
        path,
        `${where} lies at bytes ${e.offset}..${e.offset + e.length} but the payload has only ${payloadBytes} bytes`,
      );
    }
  }
  // Entries may not share bytes: n entries over the same bytes would make n copies of them, so
  // that a small file could ask for any amount of memory.
  const byOffset = header.tensors.filter((e) => e.length > 0).sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const previous = byOffset[i - 1] as CheckpointTensorEntry;
    const e = byOffset[i] as CheckpointTensorEntry;
    if (e.offset < previous.offset + previous.length) {
      fail(
        'bad-tensor-index',
        path,
        `its tensor index makes tensor "${e.name}" (bytes ${e.offset}..${e.offset + e.length}) overlap tensor ` +
          `"${previous.name}" (bytes ${previous.offset}..${previous.offset + previous.length}); each tensor has bytes of its own`,
      );
    }
  }
  const optimizerEntries = header.tensors.filter((e) => e.group === 'optimizer');
  if (header.optimizer === null && optimizerEntries.length > 0) {
    fail('bad-tensor-index', path, 'it stores optimiser moments but no optimiser state');
  }
  for (const e of optimizerEntries) {
    const other = e.slot === 'm' ? 'v' : 'm';
    if (!seen.has(`optimizer/${other}/${e.name}`)) {
      fail('bad-tensor-index', path, `the optimiser moment ${e.slot} of "${e.name}" has no matching ${other}`);
    }
  }
}

/** The weights and optimiser moments of a checked index, as new tensors copied out of `payload`. */
function readTensors(
  header: CheckpointHeader,
  payload: Uint8Array,
): { weights: Record<string, tf.Tensor>; moments: Record<string, { m: tf.Tensor; v: tf.Tensor }> } {
  const makeTensor = (e: CheckpointTensorEntry): tf.Tensor => {
    const start = payload.byteOffset + e.offset;
    const copy = payload.buffer.slice(start, start + e.length);
    const values = e.dtype === 'float32' ? new Float32Array(copy) : e.dtype === 'int32' ? new Int32Array(copy) : new Uint8Array(copy);
    return tf.tensor(values, e.shape, e.dtype);
  };
  // without a prototype, so that a tensor named `__proto__` or `constructor` is an entry like any other
  const weights: Record<string, tf.Tensor> = Object.create(null) as Record<string, tf.Tensor>;
  const moments: Record<string, { m: tf.Tensor; v: tf.Tensor }> = Object.create(null) as Record<string, { m: tf.Tensor; v: tf.Tensor }>;
  const mSlots = new Map<string, tf.Tensor>();
  const vSlots = new Map<string, tf.Tensor>();
  for (const e of header.tensors) {
    if (e.group === 'weights') weights[e.name] = makeTensor(e);
    else (e.slot === 'm' ? mSlots : vSlots).set(e.name, makeTensor(e));
  }
  for (const [name, m] of mSlots) moments[name] = { m, v: vSlots.get(name) as tf.Tensor };
  return { weights, moments };
}

/**
 * Parses and verifies the bytes of a `.ckpt` file (see {@link CHECKPOINT_MAGIC} for the layout):
 * magic, version, lengths, SHA-256, JSON header and tensor index, in that order. Returns the
 * contents with freshly created tensors that the caller owns (see `disposeCheckpoint`). Every
 * problem throws a {@link CheckpointError} naming `path` (used in messages only), what is wrong,
 * and what to do.
 */
export function decodeCheckpoint(bytes: Uint8Array, path?: string): LoadedCheckpoint {
  assertLittleEndian('loadCheckpoint');
  const size = bytes.byteLength;
  const { version, headerLength, payloadLength } = readPreamble(bytes, path);
  const stored = bytes.subarray(size - DIGEST_BYTES);
  const actual = runtimePlatform().sha256(bytes.subarray(0, size - DIGEST_BYTES));
  if (!sameBytes(actual, stored)) {
    fail('checksum', path, 'its SHA-256 checksum does not match its contents, so bytes were changed or lost after it was written');
  }
  const header = parseHeader(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength), path);
  checkTensorIndex(header, payloadLength, path);
  const payloadStart = PREAMBLE_BYTES + headerLength;
  const { weights, moments } = readTensors(header, bytes.subarray(payloadStart, payloadStart + payloadLength));

  const rng: Record<string, RandomState> = {};
  for (const [name, state] of Object.entries(header.rng)) rng[name] = { ...state, algorithm: 'alea' };

  return {
    config: header.config,
    position: header.position,
    rng,
    optimizer: header.optimizer ? { ...header.optimizer, moments } : null,
    weights,
    metadata: header.metadata,
    info: {
      path: path ?? '',
      formatVersion: version,
      libraryVersion: header.libraryVersion,
      createdAt: header.createdAt,
      bytes: size,
      sha256: Array.from(stored, (b) => b.toString(16).padStart(2, '0')).join(''),
    },
  };
}
