import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  createForwardContext,
  runWithForwardContext,
  SeededRandom,
  setGlobalSeed,
  sumAuxLosses,
  releaseAuxLosses,
  discardStateUpdates,
  globalRng,
} from '@ait/core';
import { initializers, input } from '@tensorflow/tfjs-layers';
import { balanceLoss, cvSquared, emaMemoryUpdate, GlobalWorkspaceLayer, rowNormalize } from '../../src/index';
import { expectClose, gwlWeights, referenceGwl } from './float64-reference';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

describe('memory update (EMA + row normalisation)', () => {
  it('matches a hand-checked 2 x 2 example', () => {
    // gamma = [[1, 0], [0, 1]], written O = [[0, 1], [3, 4]], momentum 0.9:
    // row 0: 0.9 * [1, 0] + 0.1 * [0, 1] = [0.9, 0.1], norm sqrt(0.82)      = 0.9055385 -> [0.9938837, 0.1104315]
    // row 1: 0.9 * [0, 1] + 0.1 * [3, 4] = [0.3, 1.3], norm sqrt(1.78)      = 1.3341664 -> [0.2248595, 0.9743912]
    const gamma = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const written = tf.tensor2d([
      [0, 1],
      [3, 4],
    ]);
    const next = emaMemoryUpdate(gamma, written, 0.9);
    expectClose(next.dataSync(), [0.9938837, 0.1104315, 0.2248595, 0.9743912], 1e-6, 'ema');
    // Every row has unit norm.
    const norms = tf.norm(next, 'euclidean', 1).dataSync();
    expectClose(norms, [1, 1], 1e-6, 'norms');
    // With one written memory per example the update is per example.
    const batched = emaMemoryUpdate(gamma, tf.stack([written, gamma]), 0.9);
    expect(batched.shape).toEqual([2, 2, 2]);
    expectClose(batched.dataSync().slice(4), [1, 0, 0, 1], 1e-6, 'unchanged when O = gamma');
    tf.dispose([gamma, written, next, batched]);
  });

  it('rowNormalize scales rows to unit length and rejects bad shapes with a clear message', () => {
    const x = tf.tensor2d([[3, 4]]);
    expectClose(rowNormalize(x).dataSync(), [0.6, 0.8], 1e-6);
    expect(() => emaMemoryUpdate(x, tf.ones([3, 2]))).toThrow(/same slots and width/);
    expect(() => emaMemoryUpdate(x, x, 1)).toThrow(/momentum must be in \[0, 1\)/);
  });
});

describe('balance loss', () => {
  it('cvSquared is the unbiased variance over mean^2 (+1e-10), 0 for one value', () => {
    // x = [1, 2, 3, 6]: mean 3, unbiased variance (4 + 1 + 0 + 9) / 3 = 14/3 -> 14/27.
    expectClose(cvSquared(tf.tensor1d([1, 2, 3, 6])).dataSync(), [14 / 27], 1e-6);
    expect(cvSquared(tf.tensor2d([[5]])).dataSync()[0]).toBe(0);
  });

  it('sums cv2(importance) + cv2(load) over heads and weights it', () => {
    // One head, 2 slots, 3 tokens. Slot 0 keeps tokens 0, 1 (0.25, 0.75), slot 1 keeps 1, 2 (0.5, 0.5).
    // importance = [0.25, 1.25, 0.5] (mean 2/3, var = (0.1736 + 0.3403 + 0.0278) / 2 = 0.2708) -> cv2 = 0.609375
    // load = [1, 2, 1] (mean 4/3, var = (1/9 + 4/9 + 1/9) / 2 = 1/3) -> cv2 = 0.1875
    const w = tf.tensor3d([
      [
        [0.25, 0.75, 0],
        [0, 0.5, 0.5],
      ],
    ]);
    const sel = tf.tensor3d([
      [
        [1, 1, 0],
        [0, 1, 1],
      ],
    ]);
    expectClose(balanceLoss(w, sel, 0.01).dataSync(), [0.01 * (0.609375 + 0.1875)], 1e-6);
    expect(() => balanceLoss(w, tf.ones([1, 2, 2]))).toThrow(/must have the shape of weights/);
  });
});

describe('global workspace layer against a float64 reference', () => {
  const D = 6;
  const F = 8;
  const M = 3;
  const DM = 4;
  const HM = 2;
  const B = 2;
  const N = 4;

  for (const mode of ['batch', 'sample'] as const) {
    it(`computes R + z, the balance loss and the stored EMA memory exactly as written out (${mode} competition)`, () => {
      setGlobalSeed(11);
      const topK = 3;
      const layer = new GlobalWorkspaceLayer({
        mlpDim: F,
        memorySlots: M,
        memoryDim: DM,
        memoryHeads: HM,
        topK,
        competition: mode,
        writeDropout: 0,
        beta: 0.7,
        recordMaps: true,
      });
      const rng = new SeededRandom(3);
      const uData = Array.from({ length: B * N * D }, () => rng.normal());
      const u = tf.tensor3d(uData, [B, N, D]);
      layer.apply(u, { training: false }); // builds; updates the priors once
      const w = gwlWeights(layer, D, F, M, DM, HM);
      const expected = referenceGwl(
        Array.from({ length: B }, (_, b) => Array.from({ length: N }, (_, n) => uData.slice((b * N + n) * D, (b * N + n + 1) * D))),
        w,
        { topK, heads: HM, momentum: 0.9, beta: 0.7, balanceWeight: 0.01, mode },
      );
      const ctx = createForwardContext(true);
      const out = runWithForwardContext(ctx, () => layer.apply(u) as tf.Tensor);
      expectClose(out.dataSync(), expected.out.flat(2), 2e-4, 'R + z');
      const aux = sumAuxLosses(ctx);
      expectClose(aux.dataSync(), [expected.balance], 2e-4, 'balance loss');
      expect(ctx.stateUpdates).toHaveLength(1);
      expectClose((ctx.stateUpdates[0]?.value as tf.Tensor).dataSync(), expected.stored.flat(), 2e-4, 'stored priors');
      // The gates of the internal maps are the reference's.
      const gate = layer.internalMaps().gate as tf.Tensor;
      expect(gate.shape).toEqual(mode === 'batch' ? [HM, M, B * N] : [B, HM, M, N]);
      expectClose(gate.dataSync(), expected.gates.flat(3), 2e-4, 'gates');
      tf.dispose([out, aux, u]);
      releaseAuxLosses(ctx);
      discardStateUpdates(ctx);
      layer.dispose();
    });
  }

  it('stores the EMA step on evaluation passes only when memoryUpdateInEval is on', () => {
    setGlobalSeed(4);
    const make = (memoryUpdateInEval: boolean): GlobalWorkspaceLayer =>
      new GlobalWorkspaceLayer({ mlpDim: F, memorySlots: M, memoryDim: DM, memoryHeads: HM, topK: 3, memoryUpdateInEval });
    const u = tf.randomNormal([B, N, D], 0, 1, 'float32', 9);
    for (const flag of [true, false]) {
      const layer = make(flag);
      layer.apply(u);
      const before = Array.from((layer.priorsWeight as { read(): tf.Tensor }).read().dataSync());
      const y1 = layer.apply(u) as tf.Tensor;
      const after = Array.from((layer.priorsWeight as { read(): tf.Tensor }).read().dataSync());
      const y2 = layer.apply(u) as tf.Tensor;
      const changed = before.some((v, i) => Math.abs(v - (after[i] as number)) > 1e-7);
      expect(changed, `memoryUpdateInEval ${flag}`).toBe(flag);
      // Without stored updates evaluation is reproducible: the same input gives the same output.
      if (!flag) expect(Array.from(y2.dataSync())).toEqual(Array.from(y1.dataSync()));
      tf.dispose([y1, y2]);
      layer.dispose();
    }
    u.dispose();
  });

  it('builds symbolically with its priors drawn after the ff weights, untouched by the build, and no maps recorded', () => {
    setGlobalSeed(6);
    const layer = new GlobalWorkspaceLayer({ mlpDim: F, memorySlots: M, memoryDim: DM, memoryHeads: HM, topK: 3, recordMaps: true });
    layer.apply(input({ shape: [N, D] }));
    // the seeds of ff's two kernels come first, then the priors' (the order of every AiT checkpoint so far)
    setGlobalSeed(6);
    globalRng().nextSeed();
    globalRng().nextSeed();
    const expected = initializers.randomNormal({ mean: 0, stddev: 1, seed: globalRng().nextSeed() }).apply([M, DM]);
    // the build's forward pass stored no EMA step although memoryUpdateInEval is on, and recorded nothing
    expect(Array.from((layer.priorsWeight as { read(): tf.Tensor }).read().dataSync())).toEqual(Array.from(expected.dataSync()));
    expect(Object.keys(layer.internalMaps())).toEqual([]);
    expect(layer.weights.map((w) => w.originalName)).toEqual(
      expect.arrayContaining([`${layer.name}/write/query/kernel`, `${layer.name}/up/kernel`]),
    );
    const u = tf.randomNormal([B, N, D], 0, 1, 'float32', 3);
    const y = layer.apply(u) as tf.Tensor;
    expect(Object.keys(layer.internalMaps()).sort()).toEqual(['gate', 'hopfield', 'priors', 'selection', 'written_priors']);
    tf.dispose([expected, u, y]);
    layer.dispose();
  });
});
