// Property-based fuzzing of the checkpoint reader (issue 22): valid checkpoint bytes mutated in every
// way a download, a bad disk or a forger can (truncated, extended, bytes flipped with and without a
// re-computed SHA-256, preamble lengths forged, header fields and tensor entries replaced) either
// decode or throw a CheckpointError, never another error, and never allocate more tensor bytes
// than the file holds.
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CheckpointError,
  decodeCheckpoint,
  disposeCheckpoint,
  encodeCheckpoint,
  initBackend,
  type CheckpointErrorKind,
} from '../../src/index';

/** The kinds a file's bytes can cause (the others are about writing or restoring). */
const READ_KINDS: readonly CheckpointErrorKind[] = [
  'bad-magic',
  'unsupported-version',
  'truncated',
  'trailing-bytes',
  'checksum',
  'bad-header',
  'bad-tensor-index',
];

let valid: Uint8Array;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
  const a = tf.tensor2d([1.5, -2, 3, 4, 5, 6], [3, 2]);
  const b = tf.tensor1d([7, -8], 'int32');
  const c = tf.tensor1d([1, 0, 1], 'bool');
  // larger than a tensor entry of the header, so that listing its bytes again costs more than it adds to the file
  const big = tf.tensor2d(
    Float32Array.from({ length: 1024 }, (_, i) => i / 7),
    [32, 32],
  );
  const m = tf.zerosLike(a);
  const v = tf.onesLike(a);
  valid = await encodeCheckpoint(
    {
      config: { model: 'tiny', depth: 1, nested: { list: [1, 2, 3] } },
      position: { epoch: 1, step: 7, stepInEpoch: 3 },
      rng: { global: { algorithm: 'alea', c: 3, s0: 0.25, s1: 0.5, s2: 0.75 } },
      optimizer: {
        type: 'adamw',
        iterations: 7,
        config: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0.05 },
        moments: { a: { m, v } },
      },
      weights: { a, b, c, big },
      metadata: { note: 'fuzz' },
    },
    new Date(0),
  );
  tf.dispose([a, b, c, big, m, v]);
});

/** `body` (everything but the digest) with a fresh SHA-256 appended: a forger's checkpoint. */
function signed(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.byteLength + 32);
  out.set(body);
  out.set(createHash('sha256').update(body).digest(), body.byteLength);
  return out;
}

function headerOf(bytes: Uint8Array): Record<string, unknown> {
  const h = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + h))) as Record<string, unknown>;
}

/** The valid checkpoint with its JSON header replaced by `text` (lengths fixed, signed). */
function withHeaderText(text: string): Uint8Array {
  const view = new DataView(valid.buffer, valid.byteOffset);
  const h = view.getUint32(12, true);
  const p = Number(view.getBigUint64(16, true));
  const header = new TextEncoder().encode(text);
  const body = new Uint8Array(24 + header.byteLength + p);
  body.set(valid.subarray(0, 24));
  new DataView(body.buffer).setUint32(12, header.byteLength, true);
  body.set(header, 24);
  body.set(valid.subarray(24 + h, 24 + h + p), 24 + header.byteLength);
  return signed(body);
}

/**
 * Decodes `bytes` and checks the contract: success with at most `bytes.byteLength` bytes of new
 * tensors, or a CheckpointError of a reading kind that leaves no tensor behind.
 */
function expectNamedOutcome(bytes: Uint8Array): 'decoded' | CheckpointErrorKind {
  const before = tf.memory();
  let outcome: 'decoded' | CheckpointErrorKind;
  try {
    const loaded = decodeCheckpoint(bytes, 'fuzz.ckpt');
    const grown = tf.memory().numBytes - before.numBytes;
    disposeCheckpoint(loaded);
    expect(grown).toBeLessThanOrEqual(bytes.byteLength);
    outcome = 'decoded';
  } catch (err) {
    if (!(err instanceof CheckpointError)) throw err;
    expect(READ_KINDS).toContain(err.kind);
    expect(err.path).toBe('fuzz.ckpt');
    expect(err.message).toContain('checkpoint fuzz.ckpt');
    outcome = err.kind;
  }
  expect(tf.memory().numTensors).toBe(before.numTensors);
  return outcome;
}

/** Any JSON value, with the numbers forgers like: huge, negative, fractional, beyond float range. */
const nastyNumber = fc.oneof(
  fc.integer(),
  fc.constantFrom(0, -1, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 1e300, -1e300, Number.MAX_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const nastyValue = fc.oneof(
  nastyNumber,
  fc.string({ maxLength: 8 }),
  fc.constantFrom(null, true, false, '__proto__', 'constructor', 'float64', 'weights', 'optimizer', 'm', 'v'),
  fc.array(nastyNumber, { maxLength: 6 }),
  fc.dictionary(fc.string({ maxLength: 4 }), nastyNumber, { maxKeys: 3 }),
);

describe('checkpoint reader under fuzzing', () => {
  it('the valid file decodes (the mutations below start from a good checkpoint)', () => {
    expect(expectNamedOutcome(valid)).toBe('decoded');
  });

  it('truncated, extended or flipped bytes, signed or not, and forged preamble lengths give a CheckpointError', () => {
    const n = valid.byteLength;
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(n - 1) }),
      fc.record({ kind: fc.constant('extend' as const), extra: fc.uint8Array({ minLength: 1, maxLength: 64 }), sign: fc.boolean() }),
      fc.record({
        kind: fc.constant('flip' as const),
        flips: fc.array(fc.tuple(fc.nat(n - 33), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        sign: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('lengths' as const),
        header: fc.option(fc.nat({ max: 0xffffffff })),
        payload: fc.option(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
        sign: fc.boolean(),
      }),
    );
    const seen = new Set<string>();
    fc.assert(
      fc.property(mutation, (m) => {
        let file: Uint8Array;
        if (m.kind === 'truncate') file = valid.slice(0, m.at);
        else if (m.kind === 'extend') {
          file = new Uint8Array(n + m.extra.byteLength);
          file.set(valid);
          file.set(m.extra, n);
          if (m.sign) file = signed(file.subarray(0, file.byteLength - 32));
        } else if (m.kind === 'flip') {
          const body = valid.slice(0, n - 32);
          for (const [at, x] of m.flips) body[at] = (body[at] as number) ^ x;
          file = m.sign ? signed(body) : Uint8Array.from([...body, ...valid.subarray(n - 32)]);
        } else {
          const body = valid.slice(0, n - 32);
          const view = new DataView(body.buffer);
          if (m.header !== null) view.setUint32(12, m.header, true);
          if (m.payload !== null) view.setBigUint64(16, m.payload, true);
          file = m.sign ? signed(body) : Uint8Array.from([...body, ...valid.subarray(n - 32)]);
        }
        seen.add(expectNamedOutcome(file));
      }),
      { seed: 22, numRuns: 400 },
    );
    // the mutations reach past the checksum into the header and the index
    expect([...seen]).toEqual(expect.arrayContaining(['truncated', 'trailing-bytes', 'checksum', 'bad-magic', 'bad-header']));
  });

  it('forged header fields and tensor entries (signed) decode or give a CheckpointError, within the file size', () => {
    const original = headerOf(valid);
    const entries = original.tensors as Record<string, unknown>[];
    const fieldOfEntry = fc.constantFrom('name', 'group', 'slot', 'shape', 'dtype', 'offset', 'length');
    const topField = fc.constantFrom('format', 'libraryVersion', 'createdAt', 'config', 'position', 'rng', 'optimizer', 'metadata');
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('entry' as const), index: fc.nat(entries.length - 1), field: fieldOfEntry, value: nastyValue }),
      fc.record({
        // a shape and the length it implies, consistent, so that only the payload bound can refuse it
        kind: fc.constant('shape' as const),
        index: fc.nat(entries.length - 1),
        shape: fc.array(fc.oneof(fc.nat(8), fc.constantFrom(0, 2 ** 20, 2 ** 31, 2 ** 40)), { maxLength: 5 }),
        offset: fc.oneof(fc.nat(64), fc.constantFrom(2 ** 53, -8)),
      }),
      fc.record({ kind: fc.constant('top' as const), field: topField, value: nastyValue }),
      fc.record({ kind: fc.constant('copies' as const), index: fc.nat(entries.length - 1), copies: fc.integer({ min: 1, max: 300 }) }),
      fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 3 }) }),
      fc.record({ kind: fc.constant('text' as const), value: fc.string({ unit: 'binary', maxLength: 40 }) }),
    );
    fc.assert(
      fc.property(edit, (e) => {
        const header = structuredClone(original);
        const tensors = header.tensors as Record<string, unknown>[];
        let text: string;
        if (e.kind === 'entry') {
          (tensors[e.index] as Record<string, unknown>)[e.field] = e.value;
        } else if (e.kind === 'shape') {
          const entry = tensors[e.index] as Record<string, unknown>;
          const bytes = entry.dtype === 'bool' ? 1 : 4;
          entry.shape = e.shape;
          entry.length = e.shape.reduce((a, b) => a * b, 1) * bytes;
          entry.offset = e.offset;
        } else if (e.kind === 'top') {
          header[e.field] = e.value;
        } else if (e.kind === 'copies') {
          // the same bytes listed again and again under other names: each copy would be a new tensor
          const entry = tensors[e.index] as Record<string, unknown>;
          for (let i = 0; i < e.copies; i++) tensors.push({ ...entry, name: `${String(entry.name)}#${i}` });
        }
        if (e.kind === 'json') text = JSON.stringify(e.value);
        else if (e.kind === 'text') text = e.value;
        else text = JSON.stringify(header);
        expectNamedOutcome(withHeaderText(text));
      }),
      { seed: 2022, numRuns: 500 },
    );
  });

  it('refuses tensor entries that overlap before copying them: n copies of the payload would be n times the file', () => {
    const header = headerOf(valid);
    const tensors = header.tensors as Record<string, unknown>[];
    const big = tensors.find((t) => t.name === 'big') as Record<string, unknown>;
    for (let i = 0; i < 200; i++) tensors.push({ ...big, name: `copy-${i}` });
    const before = tf.memory().numTensors;
    expect(() => decodeCheckpoint(withHeaderText(JSON.stringify(header)), 'copies.ckpt')).toThrow(
      expect.objectContaining({ kind: 'bad-tensor-index', message: expect.stringMatching(/overlap/) }),
    );
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps a tensor named like an Object.prototype member as an ordinary entry', () => {
    const header = headerOf(valid);
    const tensors = header.tensors as Record<string, unknown>[];
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const copy = structuredClone(header);
      const entries = copy.tensors as Record<string, unknown>[];
      (entries.find((t) => t.name === 'b') as Record<string, unknown>).name = name;
      const loaded = decodeCheckpoint(withHeaderText(JSON.stringify(copy)), 'names.ckpt');
      try {
        expect(Object.keys(loaded.weights).sort()).toEqual(['a', 'big', 'c', name].sort());
        expect(Object.getOwnPropertyDescriptor(loaded.weights, name)?.value).toBeInstanceOf(tf.Tensor);
      } finally {
        // every tensor made is reachable, so none leaks
        disposeCheckpoint(loaded);
      }
    }
    expect(tensors).toHaveLength(6);
  });
});
