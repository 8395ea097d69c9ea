import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AdamW,
  captureCheckpoint,
  CHECKPOINT_FORMAT_VERSION,
  CHECKPOINT_LIBRARY_VERSION,
  CheckpointError,
  disposeCheckpoint,
  loadCheckpoint,
  restoreCheckpoint,
  saveCheckpoint,
  SeededRandom,
  setGlobalSeed,
  type CheckpointContents,
} from '../../src/index';
import { buildTinyNet, trainedTinyNet, weightValues, type TinyNet } from '../trainer/tiny-net';
import { useBackend, useTempDir } from '../../testing/index';

useBackend('cpu');
const dir = useTempDir('ait-ckpt-');

const NET = { inputs: 4, hidden: 6, classes: 3, dropout: 0.2, auxCoef: 0.05 };

/** A TinyNet and AdamW after `steps` training steps on toy data. */
function trainedNet(seed: number, steps: number): Promise<{ net: TinyNet; opt: AdamW }> {
  return trainedTinyNet(NET, seed, steps);
}

function momentValues(opt: AdamW): Record<string, { m: number[]; v: number[] }> {
  const out: Record<string, { m: number[]; v: number[] }> = {};
  for (const [name, { m, v }] of Object.entries(opt.getState().moments)) {
    out[name] = { m: Array.from(m.dataSync()), v: Array.from(v.dataSync()) };
  }
  return out;
}

function contentsWeights(c: CheckpointContents): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(c.weights)) out[name] = Array.from(t.dataSync());
  return out;
}

/** Rebuilds a checkpoint file with a new header (and a valid checksum). */
function withHeader(bytes: Buffer, edit: (header: string) => string): Buffer {
  const h = bytes.readUInt32LE(12);
  const p = Number(bytes.readBigUInt64LE(16));
  const header = Buffer.from(edit(bytes.subarray(24, 24 + h).toString('utf8')), 'utf8');
  const body = Buffer.concat([bytes.subarray(0, 24), header, bytes.subarray(24 + h, 24 + h + p)]);
  body.writeUInt32LE(header.byteLength, 12);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

describe('checkpoint files', () => {
  it('round-trips weights, optimiser state, RNG states, position, config and metadata', async () => {
    const { net, opt } = await trainedNet(3, 3);
    const data = new SeededRandom('data');
    data.next();
    const config = { model: { hidden: 6, blocks: [1, 2] }, name: 'tiny', nested: { ok: true, none: null } };
    const contents = captureCheckpoint({
      model: net,
      optimizer: opt,
      rngs: { global: new SeededRandom(9), data },
      position: { epoch: 2, step: 17, stepInEpoch: 5 },
      config,
      metadata: { metrics: { loss: 0.25 }, note: 'hello' },
    });
    const path = join(dir(), 'roundtrip.ckpt');
    const saved = await saveCheckpoint(path, contents);
    expect(saved.bytes).toBe((await readFile(path)).byteLength);
    const loaded = await loadCheckpoint(path);

    // Non-trainable state buffers are included and were changed by training.
    expect(Object.keys(loaded.weights).sort()).toEqual(net.weights.map((w) => w.originalName).sort());
    expect(loaded.weights['tiny/calls']?.dataSync()[0]).toBe(3);
    expect(contentsWeights(loaded)).toEqual(weightValues(net));
    expect(loaded.weights['tiny/w1']?.dtype).toBe('float32');
    expect(loaded.weights['tiny/w1']?.shape).toEqual([4, 6]);

    expect(loaded.optimizer?.type).toBe('adamw');
    expect(loaded.optimizer?.iterations).toBe(3);
    expect(loaded.optimizer?.config).toEqual(opt.config);
    const loadedMoments: Record<string, { m: number[]; v: number[] }> = {};
    for (const [name, { m, v }] of Object.entries(loaded.optimizer?.moments ?? {})) {
      loadedMoments[name] = { m: Array.from(m.dataSync()), v: Array.from(v.dataSync()) };
    }
    expect(Object.keys(loadedMoments).sort()).toEqual(['tiny/aux', 'tiny/b1', 'tiny/b2', 'tiny/w1', 'tiny/w2']);
    expect(loadedMoments).toEqual(momentValues(opt));

    expect(loaded.rng.global).toEqual(new SeededRandom(9).getState());
    expect(loaded.rng.data).toEqual(data.getState());
    expect(loaded.position).toEqual({ epoch: 2, step: 17, stepInEpoch: 5 });
    expect(loaded.config).toEqual(config);
    expect(loaded.metadata).toEqual({ metrics: { loss: 0.25 }, note: 'hello' });
    expect(loaded.info.formatVersion).toBe(CHECKPOINT_FORMAT_VERSION);
    expect(loaded.info.libraryVersion).toBe(CHECKPOINT_LIBRARY_VERSION);
    expect(loaded.info.path).toBe(path);

    // Restoring into a differently initialised model gives the same weights, moments and streams.
    const other = await trainedNet(77, 1);
    expect(weightValues(other.net)).not.toEqual(weightValues(net));
    const global = new SeededRandom(1);
    const data2 = new SeededRandom(2);
    const position = restoreCheckpoint(loaded, { model: other.net, optimizer: other.opt, rngs: { global, data: data2 } });
    expect(position).toEqual({ epoch: 2, step: 17, stepInEpoch: 5 });
    expect(weightValues(other.net)).toEqual(weightValues(net));
    expect(momentValues(other.opt)).toEqual(momentValues(opt));
    expect(other.opt.iterations).toBe(3);
    expect(data2.next()).toBe(data.next());
    expect(global.next()).toBe(new SeededRandom(9).next());

    disposeCheckpoint(loaded);
    disposeCheckpoint(contents);
    expect(Object.values(loaded.weights).every((t) => t.isDisposed)).toBe(true);
    net.dispose();
    other.net.dispose();
    opt.dispose();
    other.opt.dispose();
  });

  it('stores int32 and bool tensors and weights-only checkpoints exactly', async () => {
    const ints = tf.tensor2d(
      [
        [1, -2147483648],
        [2147483647, 0],
      ],
      [2, 2],
      'int32',
    );
    const bools = tf.tensor1d([true, false, true], 'bool');
    const scalar = tf.scalar(-0.0);
    const odd = tf.tensor1d([Number.NaN, Number.POSITIVE_INFINITY, 1e-45]);
    const contents: CheckpointContents = {
      config: null,
      position: { epoch: 0, step: 0, stepInEpoch: 0 },
      rng: {},
      optimizer: null,
      weights: { ints, bools, scalar, odd },
      metadata: {},
    };
    const path = join(dir(), 'dtypes.ckpt');
    await saveCheckpoint(path, contents);
    const loaded = await loadCheckpoint(path);
    expect(loaded.optimizer).toBeNull();
    expect(loaded.weights.ints?.dtype).toBe('int32');
    expect(Array.from(loaded.weights.ints?.dataSync() ?? [])).toEqual([1, -2147483648, 2147483647, 0]);
    expect(loaded.weights.bools?.dtype).toBe('bool');
    expect(Array.from(loaded.weights.bools?.dataSync() ?? [])).toEqual([1, 0, 1]);
    expect(loaded.weights.scalar?.shape).toEqual([]);
    expect(Object.is(loaded.weights.scalar?.dataSync()[0], -0)).toBe(true);
    expect(Array.from(loaded.weights.odd?.dataSync() ?? [])).toEqual(Array.from(odd.dataSync()));
    disposeCheckpoint(loaded);
    tf.dispose([ints, bools, scalar, odd]);
  });

  it('refuses to restore into a model with other weights, listing them, and changes nothing', async () => {
    const { net, opt } = await trainedNet(5, 1);
    const contents = captureCheckpoint({ model: net, optimizer: opt });
    setGlobalSeed(6);
    const wider = buildTinyNet({ ...NET, hidden: 7, extraWeight: true });
    const before = weightValues(wider);
    const freshOpt = new AdamW({ learningRate: 0.01 });
    let error: unknown;
    try {
      restoreCheckpoint(contents, { model: wider, optimizer: freshOpt });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CheckpointError);
    const e = error as CheckpointError;
    expect(e.kind).toBe('mismatch');
    expect(e.message).toContain('missing from the checkpoint: tiny/extra');
    expect(e.message).toContain('tiny/w1 (checkpoint [4, 6], model [4, 7])');
    expect(e.message).toContain('tiny/ema (checkpoint [6], model [7])');
    expect(e.message).toContain('optimiser moments that do not fit the model');
    expect(weightValues(wider)).toEqual(before);
    expect(freshOpt.iterations).toBe(0);

    // A checkpoint with a weight the model lacks, and a missing rng state.
    setGlobalSeed(7);
    const plain = buildTinyNet(NET);
    const extra = captureCheckpoint({ model: buildTinyNet({ ...NET, extraWeight: true, name: 'tiny' }) });
    expect(() => restoreCheckpoint(extra, { model: plain, rngs: { data: new SeededRandom(1) } })).toThrow(
      /not in the model: tiny\/extra[\s\S]*random stream state\(s\) not saved: data/,
    );
    // Weights-only checkpoint into an optimiser.
    expect(() =>
      restoreCheckpoint(extra, { model: buildTinyNet({ ...NET, extraWeight: true, name: 'tiny' }), optimizer: freshOpt }),
    ).toThrow(/no optimiser state/);
    disposeCheckpoint(contents);
    disposeCheckpoint(extra);
  });
});

describe('atomic writes', () => {
  it('keeps the previous checkpoint intact and leaves no temporary file when a write fails midway', async () => {
    const sub = await mkdtemp(join(dir(), 'atomic-'));
    const path = join(sub, 'latest.ckpt');
    const { net, opt } = await trainedNet(11, 1);
    const first = captureCheckpoint({ model: net, optimizer: opt, position: { epoch: 0, step: 1, stepInEpoch: 1 } });
    await saveCheckpoint(path, first);
    const goodBytes = await readFile(path);
    const goodWeights = contentsWeights(first);

    // Train further, then fail in the middle of writing the new checkpoint.
    const more = await trainedNet(12, 2);
    const second = captureCheckpoint({ model: more.net, optimizer: more.opt, position: { epoch: 0, step: 2, stepInEpoch: 2 } });
    let written = 0;
    const failing = saveCheckpoint(path, second, {
      write: async (file, bytes) => {
        const half = bytes.subarray(0, Math.floor(bytes.byteLength / 2));
        await file.write(half);
        written = half.byteLength;
        throw new Error('ENOSPC: no space left on device (simulated)');
      },
    });
    await expect(failing).rejects.toBeInstanceOf(CheckpointError);
    await expect(saveCheckpoint(path, second, { write: async () => Promise.reject(new Error('boom')) })).rejects.toThrow(
      new RegExp(
        `Could not save checkpoint ${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: failed to write the temporary file \\(boom\\)`,
      ),
    );
    expect(written).toBeGreaterThan(0);

    expect(await readdir(sub)).toEqual(['latest.ckpt']);
    expect((await readFile(path)).equals(goodBytes)).toBe(true);
    const loaded = await loadCheckpoint(path);
    expect(loaded.position.step).toBe(1);
    expect(contentsWeights(loaded)).toEqual(goodWeights);
    disposeCheckpoint(loaded);

    // Contents that cannot be encoded (a disposed tensor) fail before any file is touched.
    const broken = captureCheckpoint({ model: more.net });
    broken.weights['tiny/w1']?.dispose();
    await expect(saveCheckpoint(path, broken)).rejects.toThrow(/weight "tiny\/w1" is already disposed/);
    expect(await readdir(sub)).toEqual(['latest.ckpt']);
    expect((await readFile(path)).equals(goodBytes)).toBe(true);

    // A successful save replaces the file.
    await saveCheckpoint(path, second);
    const replaced = await loadCheckpoint(path);
    expect(replaced.position.step).toBe(2);
    expect(await readdir(sub)).toEqual(['latest.ckpt']);
    disposeCheckpoint(replaced);
    [first, second, broken].forEach(disposeCheckpoint);
  });
});

describe('corrupt and missing files', () => {
  let good: Buffer;
  const advice = /earlier checkpoint[\s\S]*start training fresh/;

  beforeAll(async () => {
    const { net, opt } = await trainedNet(21, 1);
    const contents = captureCheckpoint({ model: net, optimizer: opt, config: { a: 1 } });
    const path = join(dir(), 'good.ckpt');
    await saveCheckpoint(path, contents);
    disposeCheckpoint(contents);
    good = await readFile(path);
  });

  async function expectError(name: string, bytes: Buffer, kind: CheckpointError['kind'], message: RegExp): Promise<void> {
    const path = join(dir(), name);
    await writeFile(path, bytes);
    const error = await loadCheckpoint(path).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(CheckpointError);
    const e = error as CheckpointError;
    expect(e.kind).toBe(kind);
    expect(e.path).toBe(path);
    expect(e.message).toContain(path);
    expect(e.message).toMatch(message);
  }

  it('reports truncated files', async () => {
    const h = good.readUInt32LE(12);
    for (const length of [good.byteLength - 1, good.byteLength - 40, 24 + h + 3, 24 + 5, 30]) {
      await expectError(`trunc-${length}.ckpt`, good.subarray(0, length), 'truncated', /truncated[\s\S]*interrupted/);
    }
    await expectError('trunc-empty.ckpt', good.subarray(0, 0), 'truncated', /only 0 bytes[\s\S]*earlier checkpoint/);
    await expectError('trunc-end.ckpt', good.subarray(0, good.byteLength - 1), 'truncated', advice);
  });

  it('reports flipped bytes in the header, the payload and the checksum', async () => {
    const h = good.readUInt32LE(12);
    for (const at of [24 + 10, 24 + h + 5, good.byteLength - 50, good.byteLength - 1]) {
      const bytes = Buffer.from(good);
      bytes[at] = (bytes[at] as number) ^ 0x10;
      await expectError(`flip-${at}.ckpt`, bytes, 'checksum', /SHA-256[\s\S]*earlier checkpoint/);
    }
  });

  it('reports a bad magic, an unknown version, trailing bytes and a missing file', async () => {
    const wrong = Buffer.from(good);
    wrong.write('PK', 0, 'latin1');
    await expectError('magic.ckpt', wrong, 'bad-magic', /not an AiT\.js checkpoint[\s\S]*earlier checkpoint/);
    await expectError('text.ckpt', Buffer.from('{"hello": "world"}'), 'bad-magic', advice);

    const future = Buffer.from(good);
    future.writeUInt32LE(CHECKPOINT_FORMAT_VERSION + 1, 8);
    await expectError('version.ckpt', future, 'unsupported-version', /format version 2[\s\S]*Upgrade @ait\/core/);

    await expectError('trailing.ckpt', Buffer.concat([good, Buffer.from([1, 2, 3])]), 'trailing-bytes', /3 unexpected bytes/);

    const missing = join(dir(), 'does-not-exist.ckpt');
    const error = await loadCheckpoint(missing).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).kind).toBe('missing');
    expect((error as CheckpointError).message).toContain(`${missing} does not exist`);
    expect((error as CheckpointError).message).toMatch(/start training fresh/);
  });

  it('reports a malformed header and a tensor index that does not fit, even with a valid checksum', async () => {
    await expectError(
      'json.ckpt',
      withHeader(good, (hd) => hd.slice(0, -1)),
      'bad-header',
      /not valid JSON[\s\S]*earlier checkpoint/,
    );
    await expectError(
      'fields.ckpt',
      withHeader(good, (hd) => {
        const header = JSON.parse(hd) as { position: { epoch: unknown } };
        header.position.epoch = 'x';
        return JSON.stringify(header);
      }),
      'bad-header',
      /position\.epoch/,
    );
    const beyond = withHeader(good, (hd) => {
      const header = JSON.parse(hd) as { tensors: { offset: number }[] };
      (header.tensors[0] as { offset: number }).offset = 1e9;
      return JSON.stringify(header);
    });
    await expectError('offset.ckpt', beyond, 'bad-tensor-index', /payload has only \d+ bytes/);
    const badLength = withHeader(good, (hd) => {
      const header = JSON.parse(hd) as { tensors: { shape: number[] }[] };
      (header.tensors[0] as { shape: number[] }).shape = [5, 6];
      return JSON.stringify(header);
    });
    await expectError('length.ckpt', badLength, 'bad-tensor-index', /has 96 bytes but shape \[5, 6\] of float32 needs 120/);
  });
});
