import * as tf from '@tensorflow/tfjs-core';
import { runtimePlatform } from '../platform/runtime-platform';
import type { CheckpointContents, CheckpointOptimizerState } from './checkpoint-contents';
import { CheckpointError } from './checkpoint-error';
import { CHECKPOINT_FORMAT_VERSION, CHECKPOINT_LIBRARY_VERSION, CHECKPOINT_MAGIC, type CheckpointTensorEntry } from './checkpoint-format';
import {
  assertLittleEndian,
  BYTES_PER_ELEMENT,
  DIGEST_BYTES,
  MAX_HEADER_BYTES,
  PREAMBLE_BYTES,
  randomStateSchema,
  type CheckpointHeader,
  type StoredDtype,
} from './checkpoint-header';

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
