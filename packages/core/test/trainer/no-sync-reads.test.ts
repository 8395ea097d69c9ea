// The training, evaluation and checkpoint paths never read a tensor synchronously (dataSync /
// arraySync / bufferSync): on webgpu under Node such a read fails (tfjs-backend-webgpu 4.22 reads
// through an OffscreenCanvas) and on any GPU it stalls. The reads are made to throw here while a
// Trainer fits with every option that reads something (clipping, label smoothing, evaluation,
// checkpoints), on cpu, and on webgpu where this machine has an adapter.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  AdamW,
  accuracy,
  clipByGlobalNorm,
  cosineSchedule,
  crossEntropy,
  initBackend,
  setGlobalSeed,
  tensorBatchSource,
  topKAccuracy,
  Trainer,
} from '../../src/index';
import { forbidSyncReads, restoreBackendAfterwards, webgpuMissing } from '../../testing/index';
import { buildTinyNet, toyData } from './tiny-net';

const missing = await webgpuMissing('the no-sync-reads training run on webgpu');
const backends = missing === null ? (['cpu', 'webgpu'] as const) : (['cpu'] as const);

describe('no synchronous reads on the training and evaluation paths', () => {
  restoreBackendAfterwards();

  it('a forbidden read really throws (the guard works)', async () => {
    await initBackend({ backend: 'cpu' });
    const t = tf.tensor1d([1, 2]);
    const restore = forbidSyncReads();
    try {
      expect(() => t.dataSync()).toThrow(/synchronous read dataSync/);
      expect(() => t.arraySync()).toThrow(/synchronous read arraySync/);
      expect(() => t.bufferSync()).toThrow(/synchronous read bufferSync/);
      expect(Array.from(await t.data())).toEqual([1, 2]);
    } finally {
      restore();
      t.dispose();
    }
  });

  it.each(backends)('Trainer.fit with clipping, smoothing, evaluation and checkpoints, and evaluate (%s)', async (backend) => {
    await initBackend({ backend });
    setGlobalSeed(3);
    const net = buildTinyNet({ inputs: 4, hidden: 6, classes: 3, dropout: 0.1, auxCoef: 0.01 });
    const d = toyData(12, 4, 3, 5);
    const x = tf.tensor2d(d.x);
    const y = tf.tensor1d(d.y, 'int32');
    const dir = await mkdtemp(join(tmpdir(), 'ait-no-sync-'));
    const restore = forbidSyncReads();
    try {
      const trainer = new Trainer({
        model: net,
        optimizer: new AdamW({ learningRate: 0.05, weightDecay: 0.01 }),
        seed: 1,
        labelSmoothing: 0.1,
        clipNorm: 0.5,
        schedule: cosineSchedule({ peak: 0.05, totalSteps: 6, warmupSteps: 1, warmupStart: 0.001 }),
        checkpoint: { dir, everyEpoch: true, keep: 1 },
      });
      const result = await trainer.fit(tensorBatchSource(x, y, { batchSize: 4 }), {
        epochs: 2,
        evalSource: tensorBatchSource(x, y, { batchSize: 5, shuffle: false }),
      });
      expect(result.reason).toBe('completed');
      expect(result.history).toHaveLength(2);
      expect(Number.isFinite(result.history[1]?.eval?.loss)).toBe(true);
      const metrics = await trainer.evaluate(tensorBatchSource(x, y, { batchSize: 6, shuffle: false }));
      expect(metrics.examples).toBe(12);
      // the library's losses, metrics and clipping on their own
      const logits = net.apply(x) as tf.Tensor;
      const values = await Promise.all([crossEntropy(logits, y), accuracy(logits, y), topKAccuracy(logits, y, 2)].map((t) => t.data()));
      expect(values.every((v) => Number.isFinite(v[0]))).toBe(true);
      const clipped = await clipByGlobalNorm([logits], 0.1);
      expect(clipped.norm).toBeGreaterThan(0);
      tf.dispose([logits, ...clipped.gradients]);
    } finally {
      restore();
      tf.dispose([x, y]);
      net.dispose();
    }
    expect((await readdir(dir)).length).toBeGreaterThan(0);
    await rm(dir, { recursive: true, force: true });
  });
});
