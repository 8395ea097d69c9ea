import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, sequential } from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import {
  AdamW,
  CHECKPOINT_TEMP_PREFIX,
  checkpointFileName,
  clearDeviceFailures,
  DeviceFailureError,
  ConfigError,
  cosineSchedule,
  disposeBatch,
  disposeCheckpoint,
  globalRng,
  latestCheckpoint,
  loadCheckpoint,
  LossExplosionError,
  NonFiniteLossError,
  reportDeviceFailure,
  setGlobalSeed,
  tensorBatchSource,
  Trainer,
  type BatchSource,
  type EpochLogs,
  type TrainerOptions,
} from '../../src/index';
import { buildTinyNet, TinyNet, toyData, weightValues, type TinyNetOptions } from './tiny-net';
import { useBackend, useTempDir } from '../../testing/index';

useBackend('cpu');
const root = useTempDir('ait-trainer-');

const NET: TinyNetOptions = { inputs: 4, hidden: 8, classes: 3, dropout: 0.3, auxCoef: 0.02 };
const EPOCHS = 3;
const PER_EPOCH = 4; // 20 examples in batches of 6, 6, 6, 2

interface Run {
  net: TinyNet;
  optimizer: AdamW;
  trainer: Trainer;
  losses: number[];
  epochs: EpochLogs[];
}

/**
 * A run whose initial weights and data order come from `initSeed` / `dataSeed`; `onEpochEnd` is
 * called after the epoch's logs are recorded.
 */
function makeRun(
  initSeed: number,
  dataSeed: number,
  extra: Partial<TrainerOptions> = {},
  onEpochEnd?: (epoch: number, run: Run) => void,
): Run {
  setGlobalSeed(initSeed);
  const net = buildTinyNet(NET);
  const optimizer = new AdamW({ learningRate: 0.01, weightDecay: 0.05 });
  const run: Run = { net, optimizer, trainer: undefined as unknown as Trainer, losses: [], epochs: [] };
  run.trainer = new Trainer({
    model: net,
    optimizer,
    seed: dataSeed,
    labelSmoothing: 0.1,
    clipNorm: 1,
    schedule: cosineSchedule({ peak: 0.05, totalSteps: EPOCHS * PER_EPOCH, warmupSteps: 3, warmupStart: 0.001 }),
    config: { net: NET },
    callbacks: {
      onStepEnd: (m) => void run.losses.push(m.loss),
      onEpochEnd: (epoch, logs) => {
        run.epochs.push(logs);
        onEpochEnd?.(epoch, run);
      },
    },
    ...extra,
  });
  return run;
}

function dataset(): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const d = toyData(20, NET.inputs, NET.classes, 2024);
  return { x: tf.tensor2d(d.x), y: tf.tensor1d(d.y, 'int32') };
}

function moments(optimizer: AdamW): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [name, { m, v }] of Object.entries(optimizer.getState().moments)) {
    out[`${name}:m`] = Array.from(m.dataSync());
    out[`${name}:v`] = Array.from(v.dataSync());
  }
  return out;
}

describe('Trainer', () => {
  it('lowers the loss on a linearly separable problem (tfjs-layers sequential model)', async () => {
    const d = toyData(64, 2, 2, 7);
    const x = tf.tensor2d(d.x);
    const y = tf.tensor1d(d.y, 'int32');
    const model = sequential({
      layers: [layers.dense({ units: 2, inputShape: [2], kernelInitializer: initializers.glorotUniform({ seed: 3 }) })],
    });
    const trainer = new Trainer({ model, optimizer: new AdamW({ learningRate: 0.1, weightDecay: 0 }), seed: 1 });
    const source = tensorBatchSource(x, y, { batchSize: 16 });
    const before = await trainer.evaluate(tensorBatchSource(x, y, { batchSize: 64, shuffle: false }));
    const losses: number[] = [];
    const result = await trainer.fit(source, {
      epochs: 10,
      evalSource: tensorBatchSource(x, y, { batchSize: 32, shuffle: false }),
    });
    for (const e of result.history) losses.push(e.loss);
    expect(result.reason).toBe('completed');
    expect(result.position).toEqual({ epoch: 10, step: 40, stepInEpoch: 0 });
    expect(result.history).toHaveLength(10);
    const last = result.history[9];
    expect(last?.loss).toBeLessThan(0.5 * (losses[0] as number));
    expect(last?.eval?.loss).toBeLessThan(0.5 * before.loss);
    expect(last?.eval?.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(last?.eval?.examples).toBe(64);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('evaluates the mean loss and accuracy like a naive float64 loop', async () => {
    const d = toyData(10, 3, 4, 99);
    const x = tf.tensor2d(d.x);
    const y = tf.tensor1d(d.y, 'int32');
    const model = sequential({
      layers: [
        layers.dense({
          units: 4,
          inputShape: [3],
          kernelInitializer: initializers.randomNormal({ seed: 5 }),
          biasInitializer: initializers.randomNormal({ seed: 6 }),
        }),
      ],
    });
    const [kernel, bias] = model.getWeights().map((w) => Array.from(w.dataSync()));
    let loss = 0;
    let correct = 0;
    d.x.forEach((row, b) => {
      const logits = Array.from(
        { length: 4 },
        (_, c) => (bias?.[c] as number) + row.reduce((s, v, i) => s + v * (kernel?.[i * 4 + c] as number), 0),
      );
      const m = Math.max(...logits);
      const lse = m + Math.log(logits.reduce((s, l) => s + Math.exp(l - m), 0));
      loss += lse - (logits[d.y[b] as number] as number);
      if (logits.indexOf(m) === d.y[b]) correct += 1;
    });
    const trainer = new Trainer({ model, optimizer: new AdamW({ learningRate: 0.1 }), seed: 1 });
    const metrics = await trainer.evaluate(tensorBatchSource(x, y, { batchSize: 3, shuffle: false }));
    expect(metrics.batches).toBe(4);
    expect(metrics.examples).toBe(10);
    expect(metrics.loss).toBeCloseTo(loss / 10, 5);
    expect(metrics.accuracy).toBeCloseTo(correct / 10, 10);

    // State updates layers report in evaluation are applied (one per batch).
    setGlobalSeed(1);
    const net = buildTinyNet({ inputs: 3, hidden: 4, classes: 4 });
    const t2 = new Trainer({ model: net, optimizer: new AdamW({ learningRate: 0.1 }), seed: 1 });
    await t2.evaluate(tensorBatchSource(x, y, { batchSize: 3, shuffle: false }));
    expect(Array.from(net.calls.read().dataSync())).toEqual([4]);
    tf.dispose([x, y]);
  });

  it('keeps tf.memory().numTensors flat over 50 steps (dropout, aux loss, state updates, eval, checkpoints)', async () => {
    const { x, y } = dataset();
    setGlobalSeed(1);
    const counts: number[] = [];
    const trainer = new Trainer({
      model: buildTinyNet(NET),
      optimizer: new AdamW({ learningRate: 0.01 }),
      seed: 3,
      clipNorm: 1,
      checkpoint: { dir: join(root(), 'memory'), everyEpoch: true, everySteps: 7, keep: 1 },
      callbacks: { onStepEnd: () => void counts.push(tf.memory().numTensors) },
    });
    const source = tensorBatchSource(x, y, { batchSize: 4 }); // 5 batches per epoch
    const result = await trainer.fit(source, { epochs: 10, evalSource: tensorBatchSource(x, y, { batchSize: 8, shuffle: false }) });
    expect(result.position.step).toBe(50);
    expect(counts).toHaveLength(50);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(counts[49]).toBe(counts[0]);
    expect(tf.memory().numTensors).toBe(counts[0]);
    expect((await readdir(join(root(), 'memory'))).filter((f) => f.endsWith('.ckpt'))).toEqual([checkpointFileName(result.position)]);
    tf.dispose([x, y]);
  });

  it('resumes bit-identically from the middle of an epoch, from the last batch of an epoch and from an epoch boundary', async () => {
    const { x, y } = dataset();
    const source = tensorBatchSource(x, y, { batchSize: 6 });
    const evalSource = tensorBatchSource(x, y, { batchSize: 7, shuffle: false });
    expect(source.numBatches?.()).toBe(PER_EPOCH);

    const full = makeRun(11, 22);
    await full.trainer.fit(source, { epochs: EPOCHS, evalSource });
    expect(full.losses).toHaveLength(EPOCHS * PER_EPOCH);
    const fullWeights = weightValues(full.net);
    const fullMoments = moments(full.optimizer);
    const fullGlobal = globalRng().getState();
    expect(full.net.calls.read().dataSync()[0]).toBe(EPOCHS * PER_EPOCH + EPOCHS * 3); // train steps + eval batches

    // Dropout is active, so an identical loss sequence is not an accident of a deterministic model.
    const otherDropout = makeRun(11, 22);
    setGlobalSeed(999);
    await otherDropout.trainer.fit(source, { epochs: 1 });
    expect(otherDropout.losses).not.toEqual(full.losses.slice(0, PER_EPOCH));

    const stops: { name: string; maxSteps?: number; stopAfterEpoch?: number }[] = [
      { name: 'mid-epoch (epoch 1, batch 2)', maxSteps: 6 },
      { name: 'after the last batch of epoch 0, before its evaluation', maxSteps: PER_EPOCH },
      { name: 'at the end of epoch 1 (stop requested in onEpochEnd)', stopAfterEpoch: 1 },
    ];
    for (const [i, { name, maxSteps, stopAfterEpoch }] of stops.entries()) {
      const dir = join(root(), `resume-${i}`);
      const first = makeRun(11, 22, { checkpoint: { dir } }, (epoch, run) => {
        if (epoch === stopAfterEpoch) run.trainer.requestStop();
      });
      const stopped = await first.trainer.fit(source, { epochs: EPOCHS, evalSource, ...(maxSteps ? { maxSteps } : {}) });
      expect(stopped.reason, name).toBe(maxSteps ? 'max-steps' : 'stop-requested');
      const path = stopped.lastCheckpoint as string;
      expect(path, name).toBe(await latestCheckpoint(dir));
      const k = first.losses.length;
      expect(first.losses, name).toEqual(full.losses.slice(0, k));

      // A fresh process: other initial weights, other data seed, other global stream.
      const second = makeRun(5000 + i, 7);
      globalRng().next();
      const position = await second.trainer.resume(path);
      expect(position.step, name).toBe(k);
      // a checkpoint written right after resuming (as the best's can be, before any step) holds
      // what the file resumed from holds: logs of the last step and epoch, the learning rate
      const again = await second.trainer.saveCheckpoint(join(root(), `resume-${i}-again.ckpt`));
      const [was, now] = [await loadCheckpoint(path), await loadCheckpoint(again)];
      expect(now.metadata, name).toEqual(was.metadata);
      expect(now.optimizer?.config, name).toEqual(was.optimizer?.config);
      [was, now].forEach(disposeCheckpoint);
      const result = await second.trainer.fit(source, { epochs: EPOCHS, evalSource });
      expect(result.reason).toBe('completed');
      expect([...first.losses, ...second.losses], name).toEqual(full.losses);
      expect([...first.epochs, ...second.epochs], name).toEqual(full.epochs);
      expect(weightValues(second.net), name).toEqual(fullWeights);
      expect(moments(second.optimizer), name).toEqual(fullMoments);
      expect(second.optimizer.iterations).toBe(EPOCHS * PER_EPOCH);
      expect(globalRng().getState(), name).toEqual(fullGlobal);
    }
    const positions = await Promise.all(
      [0, 1, 2].map(async (i) => await loadCheckpoint((await latestCheckpoint(join(root(), `resume-${i}`))) as string)),
    );
    // The first runs' last checkpoints (the resumed runs wrote none).
    expect(positions.map((c) => c.position)).toEqual([
      { epoch: 1, step: 6, stepInEpoch: 2 },
      { epoch: 0, step: 4, stepInEpoch: 4 },
      { epoch: 2, step: 8, stepInEpoch: 0 },
    ]);
    positions.forEach(disposeCheckpoint);
    tf.dispose([x, y]);
  });

  it("removes the temporary files that killed saves left behind when fit starts, never a live writer's", async () => {
    const dir = join(root(), 'stale');
    await mkdir(dir, { recursive: true });
    // a pid above the kernel's limit (4194304) runs nowhere; this process runs
    const dead = `${CHECKPOINT_TEMP_PREFIX}ckpt-s000000004-e00000.ckpt.4999999.a1b2c3d4e5f6`;
    const live = `${CHECKPOINT_TEMP_PREFIX}ckpt-s000000004-e00000.ckpt.${process.pid}.a1b2c3d4e5f6`;
    await writeFile(join(dir, dead), 'half a checkpoint');
    await writeFile(join(dir, live), 'a save in progress');
    await writeFile(join(dir, 'notes.txt'), 'kept');
    const { x, y } = dataset();
    const run = makeRun(3, 4, { checkpoint: { dir } });
    await run.trainer.fit(tensorBatchSource(x, y, { batchSize: 10 }), { epochs: 1 });
    const names = await readdir(dir);
    expect(names).not.toContain(dead);
    expect(names).toContain(live);
    expect(names).toContain('notes.txt');
    expect(names.filter((n) => n.endsWith('.ckpt'))).toHaveLength(1);
    tf.dispose([x, y]);
  });

  it('stops on a NaN loss with NonFiniteLossError, keeping the last good checkpoint intact', async () => {
    const { x, y } = dataset();
    const inner = tensorBatchSource(x, y, { batchSize: 6 });
    const poisoned: BatchSource = {
      numBatches: () => PER_EPOCH,
      batches(epoch, rng) {
        const batches = inner.batches(epoch, rng);
        return (function* () {
          let i = 0;
          for (const b of batches) {
            if (epoch === 1 && i === 1) {
              const bad = { x: tf.mul(b.x as tf.Tensor, Number.NaN), y: tf.clone(b.y) };
              disposeBatch(b);
              yield bad;
            } else {
              yield b;
            }
            i += 1;
          }
        })();
      },
    };
    const dir = join(root(), 'nan');
    const run = makeRun(3, 4, { checkpoint: { dir, everySteps: 1, keep: 3 } });
    const before = tf.memory().numTensors;
    const error = await run.trainer.fit(poisoned, { epochs: EPOCHS }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(NonFiniteLossError);
    const e = error as NonFiniteLossError;
    expect([e.epoch, e.step]).toEqual([1, 5]);
    expect(e.message).toMatch(/the loss is NaN at epoch 1, step 5[\s\S]*Lower the learning rate/);
    expect(run.trainer.position).toEqual({ epoch: 1, step: 5, stepInEpoch: 1 });
    expect(tf.memory().numTensors).toBe(before + 10); // only the AdamW moments (5 params x m, v) were added

    // Only good checkpoints exist (keep 3), the newest is the state right before the failed step.
    expect((await readdir(dir)).sort()).toEqual([
      checkpointFileName({ epoch: 0, step: 3, stepInEpoch: 3 }),
      checkpointFileName({ epoch: 0, step: 4, stepInEpoch: 4 }),
      checkpointFileName({ epoch: 1, step: 5, stepInEpoch: 1 }),
    ]);
    const latest = await loadCheckpoint((await latestCheckpoint(dir)) as string);
    expect(latest.position).toEqual({ epoch: 1, step: 5, stepInEpoch: 1 });
    const saved: Record<string, number[]> = {};
    for (const [name, t] of Object.entries(latest.weights)) saved[name] = Array.from(t.dataSync());
    expect(saved).toEqual(weightValues(run.net)); // the failed step changed no weight or state buffer
    expect(latest.optimizer?.iterations).toBe(5);
    expect(run.optimizer.iterations).toBe(5);
    disposeCheckpoint(latest);
    // The state right before the NaN step produced that NaN: the checkpoint to trust is the one before it.
    expect(await run.trainer.lastGoodCheckpoint()).toBe(join(dir, checkpointFileName({ epoch: 0, step: 4, stepInEpoch: 4 })));

    // The trainer is usable again: resume and continue on clean data.
    const again = await run.trainer.fit(inner, { epochs: 2 });
    expect(again.position).toEqual({ epoch: 2, step: 8, stepInEpoch: 0 });
    tf.dispose([x, y]);
  });

  it('stops an exploding loss with LossExplosionError before it is NaN, naming (and keeping) the checkpoint from before the rise', async () => {
    const { x, y } = dataset();
    const source = tensorBatchSource(x, y, { batchSize: 6 });
    const dir = join(root(), 'explosion');
    // the learning rate triples every step: the loss is fine for a few steps, then rises and explodes
    const run = makeRun(3, 4, { schedule: (step) => 0.01 * 3 ** step, clipNorm: undefined, checkpoint: { dir, everySteps: 1, keep: 2 } });
    const before = tf.memory().numTensors;
    const error = await run.trainer.fit(source, { epochs: EPOCHS }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(LossExplosionError);
    const e = error as LossExplosionError;
    expect(Number.isFinite(e.loss)).toBe(true);
    expect(e.loss).toBeGreaterThan(e.factor * e.level);
    expect(e.factor).toBe(10);
    expect(e.level).toBe(run.losses[0]); // the first step's loss: the loss fell before it rose
    expect([e.epoch, e.step, e.risingSince]).toEqual([1, 7, 6]);
    // step 6 was elevated (more than sqrt(10) times the level), step 5 not
    expect(run.losses[6]).toBeGreaterThan(Math.sqrt(10) * e.level);
    expect(run.losses[5]).toBeLessThan(Math.sqrt(10) * e.level);
    expect(e.message).toMatch(
      /^Training diverged: the loss exploded to [\d.e+]+ at epoch 1, step 7 \(learning rate [\d.]+\), more than 10 times its running level [\d.]+ \(it has been rising since step 6\)\. The step was not applied and no checkpoint was written after it\. The last checkpoint from before the rise is .*ckpt-s000000005-e00001\.ckpt\. Lower the learning rate/,
    );
    const good = join(dir, checkpointFileName({ epoch: 1, step: 5, stepInEpoch: 1 }));
    expect(e.lastGoodCheckpoint).toBe(good);
    expect(await run.trainer.lastGoodCheckpoint()).toBe(good);
    // the step was rejected: the position and the weights are those of the newest checkpoint
    expect(run.trainer.position).toEqual({ epoch: 1, step: 7, stepInEpoch: 3 });
    expect(tf.memory().numTensors).toBe(before + 10); // only the AdamW moments were added
    // keep 2, plus the checkpoint from before the rise, which pruning kept while the loss rose
    expect((await readdir(dir)).sort()).toEqual(
      [good, ...[6, 7].map((step) => join(dir, checkpointFileName({ epoch: 1, step, stepInEpoch: step - 4 })))].map((p) =>
        p.slice(dir.length + 1),
      ),
    );
    const newest = await loadCheckpoint((await latestCheckpoint(dir)) as string);
    const saved: Record<string, number[]> = {};
    for (const [name, t] of Object.entries(newest.weights)) saved[name] = Array.from(t.dataSync());
    expect(saved).toEqual(weightValues(run.net));
    disposeCheckpoint(newest);

    // Resuming the named checkpoint with a sane learning rate trains to the end.
    const again = makeRun(3, 4, { schedule: () => 0.01, checkpoint: { dir: join(root(), 'explosion-resumed') } });
    expect(await again.trainer.resume(good)).toEqual({ epoch: 1, step: 5, stepInEpoch: 1 });
    const done = await again.trainer.fit(source, { epochs: EPOCHS });
    expect(done.reason).toBe('completed');
    expect(Math.max(...again.losses)).toBeLessThan(Math.sqrt(10) * e.level);

    // The running level travels in the checkpoint: a resumed run judges its first steps by it.
    const hot = makeRun(3, 4, { schedule: () => 50, checkpoint: { dir: join(root(), 'explosion-hot') } });
    await hot.trainer.resume(good);
    const again2 = (await hot.trainer.fit(source, { epochs: EPOCHS }).catch((err: unknown) => err)) as LossExplosionError;
    expect(again2).toBeInstanceOf(LossExplosionError);
    expect(again2.level).toBe(e.level);
    expect(again2.lastGoodCheckpoint).toBe(good); // the step at the resumed position was normal; the one after exploded
    expect(again2.step).toBe(6);

    // Off on request; bad options are named.
    const off = makeRun(3, 4, { schedule: (step) => 0.01 * 3 ** Math.min(step, 7), clipNorm: undefined, explosion: false });
    const offResult = await off.trainer.fit(source, { epochs: 1 }).catch((err: unknown) => err);
    expect(offResult).not.toBeInstanceOf(LossExplosionError);
    expect(() => makeRun(3, 4, { explosion: { factor: 1 } })).toThrow(/explosion.*factor: must be > 1/);
    tf.dispose([x, y]);
  });

  it('stops with DeviceFailureError when the device fails during a step, writing no checkpoint after it', async () => {
    const { x, y } = dataset();
    const inner = tensorBatchSource(x, y, { batchSize: 6 });
    // the device of the running backend fails while the seventh step computes (as a WebGPU device
    // lost or out of memory is reported by @ait/core's device watcher)
    let yielded = 0;
    const failing: BatchSource = {
      numBatches: () => PER_EPOCH,
      batches(epoch, rng) {
        const batches = inner.batches(epoch, rng);
        return (function* () {
          for (const b of batches) {
            yielded += 1;
            if (yielded === 7) reportDeviceFailure({ backend: tf.getBackend(), kind: 'lost', detail: 'unknown: driver reset' });
            yield b;
          }
        })();
      },
    };
    const dir = join(root(), 'device-lost');
    const run = makeRun(3, 4, { checkpoint: { dir, everySteps: 2 } });
    try {
      const error = await run.trainer.fit(failing, { epochs: EPOCHS }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(DeviceFailureError);
      const e = error as DeviceFailureError;
      const last = join(dir, checkpointFileName({ epoch: 1, step: 6, stepInEpoch: 2 }));
      expect([e.epoch, e.step, e.lastCheckpoint]).toEqual([1, 6, last]);
      expect(e.message).toMatch(
        /Training stopped at epoch 1, step 6: the cpu device was lost \(unknown: driver reset\).*No checkpoint was written after the failure; the last good state is .*Restart the process.*resume from the last checkpoint/,
      );
      // the failed step did not count, and no checkpoint holds its values
      expect(run.trainer.position).toEqual({ epoch: 1, step: 6, stepInEpoch: 2 });
      expect((await readdir(dir)).sort()).toEqual(
        [
          checkpointFileName({ epoch: 0, step: 2, stepInEpoch: 2 }),
          checkpointFileName({ epoch: 0, step: 4, stepInEpoch: 4 }),
          checkpointFileName({ epoch: 1, step: 6, stepInEpoch: 2 }),
        ].sort(),
      );
      await expect(run.trainer.saveCheckpoint(join(dir, 'manual.ckpt'))).rejects.toThrow(DeviceFailureError);
      expect(await readdir(dir)).not.toContain('manual.ckpt');
      // out of memory advises reducing the batch; without checkpoints the error says none exists
      clearDeviceFailures();
      reportDeviceFailure({ backend: tf.getBackend(), kind: 'out-of-memory', detail: 'VK_ERROR_OUT_OF_DEVICE_MEMORY' });
      const bare = makeRun(3, 4);
      const oom = (await bare.trainer.fit(inner, { epochs: 1 }).catch((err: unknown) => err)) as DeviceFailureError;
      expect(oom).toBeInstanceOf(DeviceFailureError);
      expect(oom.message).toMatch(
        /ran out of memory \(VK_ERROR_OUT_OF_DEVICE_MEMORY\).*none was written before it either.*Reduce the batch size/,
      );
    } finally {
      clearDeviceFailures();
    }
    // the last checkpoint resumes normally once the device works again
    const resumed = makeRun(3, 4, { checkpoint: { dir, everySteps: 2 } });
    await resumed.trainer.resume(join(dir, checkpointFileName({ epoch: 1, step: 6, stepInEpoch: 2 })));
    const result = await resumed.trainer.fit(inner, { epochs: EPOCHS });
    expect(result.position).toEqual({ epoch: EPOCHS, step: EPOCHS * PER_EPOCH, stepInEpoch: 0 });
    tf.dispose([x, y]);
  });

  it('sees a stop asked from a timer (as from a Ctrl-C handler) within the epoch, not at its end', async () => {
    // Steps on the cpu backend resolve as microtasks only: without turns of the event loop inside
    // fit, the timer below would fire once all 3 epochs are done. Each batch takes >= 5 ms here,
    // so a turn (every 50 ms) comes within the first 11 of the 20 steps of epoch 0.
    const { x, y } = dataset();
    const inner = tensorBatchSource(x, y, { batchSize: 1 });
    const slow: BatchSource = {
      *batches(epoch, rng) {
        for (const batch of inner.batches(epoch, rng)) {
          const until = performance.now() + 5;
          while (performance.now() < until) {
            // busy: a step that keeps the thread (as a WASM matrix product does)
          }
          yield batch;
        }
      },
      numBatches: () => inner.numBatches?.() ?? 0,
    };
    const run = makeRun(8, 9);
    const timer = setTimeout(() => run.trainer.requestStop(), 0);
    try {
      const result = await run.trainer.fit(slow, { epochs: 3 });
      expect(result.reason).toBe('stop-requested');
      expect(result.position.epoch).toBe(0);
      expect(result.position.step).toBeGreaterThanOrEqual(1);
      expect(result.position.step).toBeLessThanOrEqual(11);
    } finally {
      clearTimeout(timer);
      tf.dispose([x, y]);
    }
  });

  it('honours requestStop (finishes the step, saves, returns) and validates its options', async () => {
    const { x, y } = dataset();
    const dir = join(root(), 'stop');
    let ended = false;
    const run = makeRun(8, 9);
    const trainer = new Trainer({
      model: run.net,
      optimizer: run.optimizer,
      seed: 1,
      checkpoint: { dir },
      callbacks: {
        onStepEnd: (m) => {
          if (m.step === 2) trainer.requestStop();
        },
        onTrainEnd: () => {
          ended = true;
        },
      },
    });
    const result = await trainer.fit(tensorBatchSource(x, y, { batchSize: 6 }), { epochs: 5 });
    expect(result.reason).toBe('stop-requested');
    expect(result.position).toEqual({ epoch: 0, step: 3, stepInEpoch: 3 });
    expect(result.lastCheckpoint).toBe(join(dir, checkpointFileName(result.position)));
    expect(await readdir(dir)).toEqual([checkpointFileName(result.position)]);
    expect(ended).toBe(true);

    const optimizer = new AdamW({ learningRate: 0.1 });
    expect(() => new Trainer({ model: run.net, optimizer: {} as AdamW })).toThrow(ConfigError);
    expect(() => new Trainer({ model: run.net, optimizer, loss: (o) => tf.sum(o), labelSmoothing: 0.1 })).toThrow(
      /labelSmoothing: applies to the default cross-entropy only/,
    );
    expect(() => new Trainer({ model: run.net, optimizer, checkpoint: { dir, everySteps: 0 } })).toThrow(
      /checkpoint\.everySteps: must be >= 1/,
    );
    const unbuilt = new TinyNet(NET);
    await expect(
      new Trainer({ model: unbuilt, optimizer, seed: 1 }).fit(tensorBatchSource(x, y, { batchSize: 5 }), { epochs: 1 }),
    ).rejects.toThrow(/not built/);
    await expect(trainer.saveCheckpoint(join(dir, 'explicit.ckpt'))).resolves.toBe(join(dir, 'explicit.ckpt'));
    await expect(new Trainer({ model: run.net, optimizer, seed: 1 }).saveCheckpoint()).rejects.toThrow(
      /give a path, or set the `checkpoint.dir`/,
    );
    await expect(trainer.resume(join(dir, 'missing.ckpt'))).rejects.toThrow(/does not exist/);
    tf.dispose([x, y]);
  });
});
