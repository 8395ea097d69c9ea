// @ait/core's browser entry, run under Node with an in-memory IndexedDB (fake-indexeddb): the
// checkpoint functions and the Trainer keep checkpoints in IndexedDB, in the same bytes as the
// Node entry's files, and initBackend reports what a browser has. Real-browser runs are in
// apps/browser-check.
import 'fake-indexeddb/auto';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AdamW,
  BackendUnavailableError,
  captureCheckpoint,
  CheckpointError,
  disposeCheckpoint,
  downloadCheckpoint,
  encodeCheckpoint,
  indexedDbCheckpointStore,
  initBackend,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
  pruneCheckpoints,
  readCheckpointFile,
  runtimePlatform,
  saveCheckpoint,
  setGlobalSeed,
  tensorBatchSource,
  Trainer,
} from '../../src/browser';
import { fileCheckpointStore } from '../../src/checkpoint/file-checkpoint-store';
import { browserPlatform } from '../../src/platform/browser-platform';
import { nodePlatform } from '../../src/platform/node-platform';
import { setRuntimePlatform } from '../../src/platform/runtime-platform';
import { buildTinyNet, toyData, trainedTinyNet, weightValues, type TinyNet } from '../trainer/tiny-net';

const NET = { inputs: 4, hidden: 6, classes: 3, dropout: 0.2, auxCoef: 0.05 };
let dir: string;

beforeAll(async () => {
  // The tiny-net helper imports the Node entry, which installs the Node platform: put the
  // browser's back, as a page that imports only the browser entry has it.
  setRuntimePlatform(browserPlatform);
  await initBackend({ backend: 'cpu' });
  dir = await mkdtemp(join(tmpdir(), 'ait-browser-ckpt-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function trainedNet(seed: number, steps: number): Promise<{ net: TinyNet; opt: AdamW }> {
  return trainedTinyNet(NET, seed, steps);
}

function weightsOf(contents: { weights: Record<string, tf.Tensor> }): Record<string, number[]> {
  return Object.fromEntries(Object.entries(contents.weights).map(([k, t]) => [k, Array.from(t.dataSync())]));
}

describe('the browser entry', () => {
  it('installs the browser platform, whose SHA-256 equals Node crypto', () => {
    expect(runtimePlatform().name).toBe('browser');
    for (const size of [0, 1, 55, 56, 64, 1000, 70_001]) {
      const bytes = new Uint8Array(randomBytes(size));
      const want = createHash('sha256').update(bytes).digest('hex');
      expect(Buffer.from(runtimePlatform().sha256(bytes)).toString('hex'), `${size} bytes`).toBe(want);
    }
  });

  it('saves to and loads from IndexedDB with the same bytes as a Node checkpoint file, both ways', async () => {
    const { net, opt } = await trainedNet(3, 2);
    const contents = captureCheckpoint({ model: net, optimizer: opt, position: { epoch: 0, step: 2, stepInEpoch: 2 } });
    const createdAt = new Date('2026-12-05T12:00:00Z');
    const saved = await saveCheckpoint('runs/a/first.ckpt', contents, { createdAt });
    const stored = await runtimePlatform().checkpoints.read('runs/a/first.ckpt');
    expect(stored.byteLength).toBe(saved.bytes);

    // The Node entry's file for the same contents holds identical bytes (Node's SHA-256).
    const bytes = await encodeCheckpoint(contents, createdAt);
    expect(Buffer.from(stored).equals(Buffer.from(bytes))).toBe(true);
    const file = join(dir, 'node.ckpt');
    await fileCheckpointStore.write(file, bytes);
    const nodeDigest = nodePlatform.sha256(bytes.subarray(0, bytes.byteLength - 32));
    expect(Buffer.from(bytes.subarray(bytes.byteLength - 32)).equals(Buffer.from(nodeDigest))).toBe(true);

    // Node file -> browser: load the file's bytes through IndexedDB.
    await runtimePlatform().checkpoints.write('runs/from-node.ckpt', await readFile(file));
    const loaded = await loadCheckpoint('runs/from-node.ckpt');
    expect(weightsOf(loaded)).toEqual(weightsOf(contents));
    expect(Object.keys(loaded.optimizer?.moments ?? {})).toEqual(Object.keys(opt.getState().moments));
    expect(loaded.position.step).toBe(2);
    disposeCheckpoint(loaded);
    // Browser -> Node: the IndexedDB record decodes through the Node file store.
    await fileCheckpointStore.write(join(dir, 'from-browser.ckpt'), stored);
    expect(Buffer.from(await readFile(join(dir, 'from-browser.ckpt'))).equals(Buffer.from(stored))).toBe(true);
    disposeCheckpoint(contents);
  });

  it('lists, finds the newest and prunes checkpoints of an IndexedDB directory', async () => {
    const { net } = await trainedNet(4, 0);
    const contents = captureCheckpoint({ model: net });
    for (const name of ['ckpt-s000000002-e00000.ckpt', 'ckpt-s000000010-e00001.ckpt', 'ckpt-s000000005-e00000.ckpt', 'notes.txt']) {
      await saveCheckpoint(`runs/list/${name}`, contents);
    }
    await saveCheckpoint('runs/list/sub/ckpt-s000000099-e00009.ckpt', contents);
    await saveCheckpoint('runs/listing/ckpt-s000000077-e00009.ckpt', contents);
    expect((await listCheckpoints('runs/list/')).map((e) => [e.path, e.step])).toEqual([
      ['runs/list/ckpt-s000000002-e00000.ckpt', 2],
      ['runs/list/ckpt-s000000005-e00000.ckpt', 5],
      ['runs/list/ckpt-s000000010-e00001.ckpt', 10],
    ]);
    expect(await latestCheckpoint('./runs/list')).toBe('runs/list/ckpt-s000000010-e00001.ckpt');
    expect(await pruneCheckpoints('runs/list', 1)).toEqual([
      'runs/list/ckpt-s000000002-e00000.ckpt',
      'runs/list/ckpt-s000000005-e00000.ckpt',
    ]);
    expect((await listCheckpoints('runs/list')).map((e) => e.step)).toEqual([10]);
    expect(await listCheckpoints('runs/none')).toEqual([]);
    disposeCheckpoint(contents);
  });

  it('keeps the previous checkpoint when a save fails half-way, and names missing and corrupt ones', async () => {
    const first = await trainedNet(5, 1);
    const good = captureCheckpoint({ model: first.net, position: { epoch: 0, step: 1, stepInEpoch: 1 } });
    await saveCheckpoint('runs/atomic/latest.ckpt', good);
    const goodBytes = await runtimePlatform().checkpoints.read('runs/atomic/latest.ckpt');
    const second = await trainedNet(6, 2);
    const next = captureCheckpoint({ model: second.net, position: { epoch: 0, step: 2, stepInEpoch: 2 } });
    const failing = saveCheckpoint('runs/atomic/latest.ckpt', next, {
      write: async (target, bytes) => {
        await target.write(bytes.subarray(0, bytes.byteLength >> 1));
        throw new Error('QuotaExceededError (simulated)');
      },
    });
    await expect(failing).rejects.toThrow(
      /Could not save checkpoint runs\/atomic\/latest\.ckpt: failed to collect the bytes \(QuotaExceededError \(simulated\)\)/,
    );
    expect(Buffer.from(await runtimePlatform().checkpoints.read('runs/atomic/latest.ckpt')).equals(Buffer.from(goodBytes))).toBe(true);

    const missing = await loadCheckpoint('runs/atomic/nothing.ckpt').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CheckpointError);
    expect((missing as CheckpointError).kind).toBe('missing');
    expect((missing as Error).message).toMatch(/does not exist in IndexedDB database "ait-checkpoints"/);

    const corrupt = goodBytes.slice();
    const flip = corrupt.byteLength - 40;
    corrupt[flip] = (corrupt[flip] ?? 0) ^ 0xff;
    await runtimePlatform().checkpoints.write('runs/atomic/corrupt.ckpt', corrupt);
    await expect(loadCheckpoint('runs/atomic/corrupt.ckpt')).rejects.toMatchObject({ kind: 'checksum' });
    // The same check for a file the user picked in a page.
    const picked = await readCheckpointFile(Object.assign(new Blob([corrupt]), { name: 'mine.ckpt' })).catch((e: unknown) => e);
    expect((picked as Error).message).toMatch(/Cannot use checkpoint mine\.ckpt: its SHA-256 checksum does not match/);
    const ok = await readCheckpointFile(new Blob([goodBytes]));
    expect(weightsOf(ok)).toEqual(weightsOf(good));
    disposeCheckpoint(ok);
    disposeCheckpoint(good);
    disposeCheckpoint(next);
  });

  it('keeps separate databases apart and says when a runtime has no IndexedDB', async () => {
    const other = indexedDbCheckpointStore('another-db');
    await other.write('x/y.ckpt', Uint8Array.of(1, 2, 3));
    expect(Array.from(await other.read('x/y.ckpt'))).toEqual([1, 2, 3]);
    await expect(runtimePlatform().checkpoints.read('x/y.ckpt')).rejects.toMatchObject({ kind: 'missing' });
    const saved = (globalThis as { indexedDB?: unknown }).indexedDB;
    vi.stubGlobal('indexedDB', undefined);
    try {
      await expect(indexedDbCheckpointStore('fresh').read('a.ckpt')).rejects.toThrow(/this JavaScript runtime has no IndexedDB/);
    } finally {
      vi.stubGlobal('indexedDB', saved);
    }
  });

  it('lets the Trainer checkpoint into IndexedDB and resume exactly', async () => {
    const d = toyData(20, NET.inputs, NET.classes, 77);
    const x = tf.tensor2d(d.x);
    const y = tf.tensor1d(d.y, 'int32');
    const source = tensorBatchSource(x, y, { batchSize: 6 });
    const make = (seed: number, dir: string): { trainer: Trainer; net: TinyNet; losses: number[] } => {
      setGlobalSeed(seed);
      const net = buildTinyNet(NET);
      const losses: number[] = [];
      const trainer = new Trainer({
        model: net,
        optimizer: new AdamW({ learningRate: 0.05 }),
        seed: 9,
        checkpoint: { dir, keep: 2 },
        callbacks: { onStepEnd: (m) => void losses.push(m.loss) },
      });
      return { trainer, net, losses };
    };
    const full = make(1, 'runs/trainer-full');
    const fullResult = await full.trainer.fit(source, { epochs: 2 });
    expect(fullResult.lastCheckpoint).toMatch(/^runs\/trainer-full\/ckpt-s\d{9}-e\d{5}\.ckpt$/);
    const fullWeights = weightValues(full.net);

    const first = make(1, 'runs/trainer');
    await first.trainer.fit(source, { epochs: 2, maxSteps: 5 });
    const path = await latestCheckpoint('runs/trainer');
    expect(path).toBe('runs/trainer/ckpt-s000000005-e00001.ckpt');
    const second = make(123, 'runs/trainer');
    await second.trainer.resume(path as string);
    await second.trainer.fit(source, { epochs: 2 });
    expect([...first.losses, ...second.losses]).toEqual(full.losses);
    expect(weightValues(second.net)).toEqual(fullWeights);
    expect((await listCheckpoints('runs/trainer')).length).toBeLessThanOrEqual(2);
    tf.dispose([x, y]);
  });

  it('refuses a download outside a page', async () => {
    await expect(downloadCheckpoint(Uint8Array.of(1))).rejects.toThrow(/needs a page/);
  });
});

describe('initBackend in a browser', () => {
  it('reports the native backends as not available in a browser', async () => {
    const err = await initBackend({ backend: 'tensorflow' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/@tensorflow\/tfjs-node is not available in a browser/);
    expect((err as Error).message).not.toMatch(/npm install/);
  });

  it('stops with the URL when a tfjs-wasm binary cannot be fetched, instead of falling back', async () => {
    const fetchMock = vi.fn(async (url: string) => ({ ok: false, status: 404, statusText: 'Not Found', url }));
    vi.stubGlobal('fetch', fetchMock);
    try {
      for (const backend of ['wasm', 'auto'] as const) {
        const err = await initBackend({ backend, wasmPaths: 'https://example.invalid/static/wasm' }).catch((e: unknown) => e);
        expect(err, backend).toBeInstanceOf(BackendUnavailableError);
        expect((err as Error).message, backend).toMatch(
          /tfjs-wasm's binary tfjs-backend-wasm(-simd)?\.wasm could not be fetched from https:\/\/example\.invalid\/static\/wasm\/tfjs-backend-wasm(-simd)?\.wasm \(HTTP 404 Not Found\)/,
        );
        expect((err as Error).message).toMatch(/wasmPaths/);
      }
      expect(fetchMock).toHaveBeenCalled();
      expect(tf.getBackend()).toBe('cpu');
      const partial = await initBackend({ backend: 'wasm', wasmPaths: { 'tfjs-backend-wasm.wasm': 'a' } as never }).catch(
        (e: unknown) => e,
      );
      expect((partial as Error).message).toMatch(/wasmPaths lacks tfjs-backend-wasm-simd\.wasm, tfjs-backend-wasm-threaded-simd\.wasm/);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('refuses wasmThreads above 1, which only Node starts', async () => {
    const err = await initBackend({ backend: 'wasm', wasmThreads: 2 }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/wasmThreads 2 needs worker threads, which @ait\/core starts under Node only/);
  });
});
