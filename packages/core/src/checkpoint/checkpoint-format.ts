import * as tf from '@tensorflow/tfjs-core';
import { version as LIBRARY_VERSION } from '../../package.json';
import { z } from '../config/validate-config';
import { runtimePlatform } from '../platform/runtime-platform';
import type { RandomState } from '../random/seeded-random';
import { CheckpointError, UNUSABLE_CHECKPOINT_ADVICE } from './checkpoint-error';
import type { CheckpointContents, CheckpointOptimizerState, LoadedCheckpoint } from './checkpoint-contents';

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
 */
export const CHECKPOINT_MAGIC: Uint8Array = Uint8Array.from([0x89, 0x41, 0x49, 0x54, 0x43, 0x4b, 0x50, 0x54]);

/** The checkpoint format version this library writes and reads. */
export const CHECKPOINT_FORMAT_VERSION = 1;

/** Version of `@ait/core` recorded in every checkpoint it writes. */
export const CHECKPOINT_LIBRARY_VERSION: string = LIBRARY_VERSION;

const PREAMBLE_BYTES = 24;
const DIGEST_BYTES = 32;
const MAX_HEADER_BYTES = 0xffffffff;

type StoredDtype = 'float32' | 'int32' | 'bool';
const BYTES_PER_ELEMENT: Record<StoredDtype, number> = { float32: 4, int32: 4, bool: 1 };

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

const count = z.number().int().min(0);
const randomStateSchema = z.object({
  algorithm: z.literal('alea'),
  c: z.number(),
  s0: z.number(),
  s1: z.number(),
  s2: z.number(),
});
const headerSchema = z.object({
  format: z.literal('ait-checkpoint'),
  libraryVersion: z.string(),
  createdAt: z.string(),
  config: z.unknown(),
  position: z.object({ epoch: count, step: count, stepInEpoch: count }),
  rng: z.record(z.string(), randomStateSchema),
  optimizer: z
    .object({
      type: z.literal('adamw'),
      iterations: count,
      config: z.object({
        learningRate: z.number(),
        beta1: z.number(),
        beta2: z.number(),
        epsilon: z.number(),
        weightDecay: z.number(),
      }),
    })
    .nullable(),
  tensors: z.array(
    z.object({
      name: z.string().min(1),
      group: z.enum(['weights', 'optimizer']),
      slot: z.enum(['m', 'v']).optional(),
      shape: z.array(count),
      dtype: z.enum(['float32', 'int32', 'bool']),
      offset: count,
      length: count,
    }),
  ),
  metadata: z.record(z.string(), z.unknown()),
});
type CheckpointHeader = z.output<typeof headerSchema>;

function assertLittleEndian(where: string): void {
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) {
    throw new CheckpointError(
      'invalid-contents',
      undefined,
      `${where}: checkpoints store tensors little-endian and this machine is big-endian, which is not supported.`,
    );
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

function label(path: string | undefined): string {
  return path === undefined ? 'checkpoint' : `checkpoint ${path}`;
}

function tensorBytes(data: tf.TypedArray | string[], dtype: StoredDtype): Uint8Array {
  if (!ArrayBuffer.isView(data)) throw new Error(`unexpected ${dtype} data`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

interface PendingTensor {
  readonly entry: Omit<CheckpointTensorEntry, 'offset' | 'length'>;
  readonly tensor: tf.Tensor;
}

function collectTensors(contents: CheckpointContents): PendingTensor[] {
  const pending: PendingTensor[] = [];
  const check = (what: string, t: unknown): tf.Tensor => {
    if (!(t instanceof tf.Tensor)) {
      throw new CheckpointError('invalid-contents', undefined, `saveCheckpoint: ${what} is not a tensor.`);
    }
    if (t.isDisposed) {
      throw new CheckpointError(
        'invalid-contents',
        undefined,
        `saveCheckpoint: ${what} is already disposed; capture the checkpoint again right before saving it.`,
      );
    }
    if (!(t.dtype in BYTES_PER_ELEMENT)) {
      throw new CheckpointError(
        'invalid-contents',
        undefined,
        `saveCheckpoint: ${what} has dtype ${t.dtype}; checkpoints store float32, int32 and bool tensors only.`,
      );
    }
    return t;
  };
  for (const [name, t] of Object.entries(contents.weights)) {
    const tensor = check(`weight "${name}"`, t);
    pending.push({ entry: { name, group: 'weights', shape: tensor.shape.slice(), dtype: tensor.dtype as StoredDtype }, tensor });
  }
  if (contents.optimizer) {
    for (const [name, moments] of Object.entries(contents.optimizer.moments)) {
      for (const slot of ['m', 'v'] as const) {
        const tensor = check(`optimiser moment ${slot} of "${name}"`, moments?.[slot]);
        pending.push({
          entry: { name, group: 'optimizer', slot, shape: tensor.shape.slice(), dtype: tensor.dtype as StoredDtype },
          tensor,
        });
      }
    }
  }
  return pending;
}

function checkPosition(contents: CheckpointContents): void {
  const p = contents.position as unknown as Record<string, unknown> | null;
  for (const key of ['epoch', 'step', 'stepInEpoch']) {
    const v = p?.[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new CheckpointError(
        'invalid-contents',
        undefined,
        `saveCheckpoint: position.${key} must be a non-negative integer, got ${String(v)}.`,
      );
    }
  }
  for (const [name, state] of Object.entries(contents.rng)) {
    if (!randomStateSchema.safeParse(state).success) {
      throw new CheckpointError(
        'invalid-contents',
        undefined,
        `saveCheckpoint: rng.${name} is not a RandomState; pass SeededRandom.getState() results.`,
      );
    }
  }
}

/**
 * Serialises checkpoint contents to the bytes of a `.ckpt` file (see {@link CHECKPOINT_MAGIC}
 * for the layout). Reads every tensor back from the backend; does not dispose anything.
 * Throws a {@link CheckpointError} (`invalid-contents`) for disposed tensors, unsupported dtypes,
 * bad positions or a config / metadata that is not JSON-serialisable.
 */
export async function encodeCheckpoint(contents: CheckpointContents, createdAt: Date = new Date()): Promise<Uint8Array> {
  assertLittleEndian('saveCheckpoint');
  checkPosition(contents);
  const pending = collectTensors(contents);
  const datas = await Promise.all(pending.map((p) => p.tensor.data()));

  let offset = 0;
  const entries: CheckpointTensorEntry[] = pending.map((p, i) => {
    const bytes = tensorBytes(datas[i] as tf.TypedArray, p.entry.dtype);
    const entry: CheckpointTensorEntry = { ...p.entry, offset, length: bytes.byteLength };
    offset += bytes.byteLength;
    return entry;
  });
  const payloadLength = offset;

  const optimizer: CheckpointOptimizerState | null = contents.optimizer;
  const header: CheckpointHeader = {
    format: 'ait-checkpoint',
    libraryVersion: CHECKPOINT_LIBRARY_VERSION,
    createdAt: createdAt.toISOString(),
    config: contents.config,
    position: {
      epoch: contents.position.epoch,
      step: contents.position.step,
      stepInEpoch: contents.position.stepInEpoch,
    },
    rng: contents.rng,
    optimizer: optimizer ? { type: optimizer.type, iterations: optimizer.iterations, config: optimizer.config } : null,
    tensors: entries,
    metadata: contents.metadata,
  };
  let json: string;
  try {
    json = JSON.stringify(header);
  } catch (err) {
    throw new CheckpointError(
      'invalid-contents',
      undefined,
      `saveCheckpoint: the config or metadata cannot be written as JSON (${(err as Error).message}); ` +
        'pass plain objects, arrays, strings, numbers and booleans only.',
      { cause: err },
    );
  }
  const headerBytes = new TextEncoder().encode(json);
  if (headerBytes.byteLength > MAX_HEADER_BYTES) {
    throw new CheckpointError('invalid-contents', undefined, 'saveCheckpoint: the JSON header exceeds 4 GiB; store less metadata.');
  }

  const total = PREAMBLE_BYTES + headerBytes.byteLength + payloadLength + DIGEST_BYTES;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(CHECKPOINT_MAGIC, 0);
  view.setUint32(8, CHECKPOINT_FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.byteLength, true);
  view.setBigUint64(16, BigInt(payloadLength), true);
  out.set(headerBytes, PREAMBLE_BYTES);
  const payloadStart = PREAMBLE_BYTES + headerBytes.byteLength;
  entries.forEach((entry, i) => {
    out.set(tensorBytes(datas[i] as tf.TypedArray, entry.dtype), payloadStart + entry.offset);
  });
  const digest = runtimePlatform().sha256(out.subarray(0, total - DIGEST_BYTES));
  out.set(digest, total - DIGEST_BYTES);
  return out;
}

function fail(kind: ConstructorParameters<typeof CheckpointError>[0], path: string | undefined, what: string): never {
  throw new CheckpointError(kind, path, `Cannot use ${label(path)}: ${what}. ${UNUSABLE_CHECKPOINT_ADVICE}`);
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

/**
 * Parses and verifies the bytes of a `.ckpt` file: magic, version, lengths, SHA-256, JSON header
 * and tensor index, in that order. Returns the contents with freshly created tensors that the
 * caller owns (see `disposeCheckpoint`). Every problem throws a {@link CheckpointError} naming
 * `path` (used in messages only), what is wrong, and what to do.
 */
export function decodeCheckpoint(bytes: Uint8Array, path?: string): LoadedCheckpoint {
  assertLittleEndian('loadCheckpoint');
  const buf = bytes;
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
  const body = buf.subarray(0, size - DIGEST_BYTES);
  const stored = buf.subarray(size - DIGEST_BYTES);
  const actual = runtimePlatform().sha256(body);
  if (!sameBytes(actual, stored)) {
    fail('checksum', path, 'its SHA-256 checksum does not match its contents, so bytes were changed or lost after it was written');
  }
  const header = parseHeader(buf.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength), path);
  const payloadStart = PREAMBLE_BYTES + headerLength;
  const payloadBytes = Number(payloadLength);

  // Check the whole index before creating any tensor.
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

  const makeTensor = (e: CheckpointTensorEntry): tf.Tensor => {
    const start = buf.byteOffset + payloadStart + e.offset;
    const copy = buf.buffer.slice(start, start + e.length);
    const values = e.dtype === 'float32' ? new Float32Array(copy) : e.dtype === 'int32' ? new Int32Array(copy) : new Uint8Array(copy);
    return tf.tensor(values, e.shape, e.dtype);
  };
  const weights: Record<string, tf.Tensor> = {};
  const moments: Record<string, { m: tf.Tensor; v: tf.Tensor }> = {};
  const mSlots = new Map<string, tf.Tensor>();
  const vSlots = new Map<string, tf.Tensor>();
  for (const e of header.tensors) {
    if (e.group === 'weights') weights[e.name] = makeTensor(e);
    else (e.slot === 'm' ? mSlots : vSlots).set(e.name, makeTensor(e));
  }
  for (const [name, m] of mSlots) moments[name] = { m, v: vSlots.get(name) as tf.Tensor };

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
