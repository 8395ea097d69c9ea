import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  AdamW,
  createForwardContext,
  discardStateUpdates,
  layerNorm,
  releaseAuxLosses,
  runWithForwardContext,
  setGlobalSeed,
} from '@ait/core';
import { AitBlock, AssociativeTransformer, GlobalWorkspaceLayer, type AssociativeTransformerArgs } from '../../src/index';
import { expectClose } from './float64-reference';
import { SMALL_AIT } from './small-config';
import { useBackend } from '../helpers/backend';
import { crossEntropyStep } from '../helpers/train-step';

useBackend('cpu');

const images = (): tf.Tensor => tf.randomNormal([3, 8, 8, 3], 0, 1, 'float32', 12);
const make = (overrides: Partial<AssociativeTransformerArgs>): AssociativeTransformer => {
  setGlobalSeed(13);
  return new AssociativeTransformer({ ...SMALL_AIT, recordMaps: true, ...overrides });
};
const names = (m: AssociativeTransformer): string[] => m.weights.map((w) => w.originalName);

describe('ablations', () => {
  it('noSelfAttention: the first sub-layer is x + LN(x), as the reference code with SA = False', () => {
    setGlobalSeed(14);
    const block = new AitBlock({
      numHeads: 2,
      headDim: 4,
      noSelfAttention: true,
      workspace: { mlpDim: 16, memorySlots: 2, memoryDim: 4, memoryHeads: 1, topK: 2, memoryUpdateInEval: false },
    });
    const x = tf.randomNormal([2, 3, 8], 0, 1, 'float32', 15);
    const y = block.apply(x) as tf.Tensor;
    // Fresh LayerNorms have gain 1 and offset 0.
    const h = tf.add(x, layerNorm(x));
    const expected = tf.add(h, block.gwl.apply(layerNorm(h)) as tf.Tensor);
    expectClose(y.dataSync(), expected.dataSync(), 1e-5);
    expect(block.weights.some((w) => w.originalName.includes('/attn/'))).toBe(false);
  });

  it('noMemory: the workspace layer is LN(FF(u)) and the model has no priors, write or read weights', () => {
    const model = make({ ablation: { noMemory: true } });
    (model.apply(images()) as tf.Tensor).dispose();
    expect(names(model).filter((n) => /priors|write|\/up\/|read/.test(n))).toEqual([]);
    expect(model.nonTrainableWeights).toHaveLength(0);
    const gwl = new GlobalWorkspaceLayer({ mlpDim: 8, ablation: { noMemory: true } });
    const u = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 16);
    const out = gwl.apply(u) as tf.Tensor;
    const w = (s: string): tf.Tensor => gwl.weights.find((v) => v.originalName.endsWith(s))?.read() as tf.Tensor;
    const hidden = tf.tidy(() => {
      const a = tf.add(tf.matMul(tf.reshape(u, [6, 4]), w('fc1/kernel')), w('fc1/bias'));
      return tf.mul(tf.mul(a, 0.5), tf.add(1, tf.erf(tf.mul(a, Math.SQRT1_2))));
    });
    const ff = tf.add(tf.matMul(hidden, w('fc2/kernel')), w('fc2/bias'));
    expectClose(out.dataSync(), layerNorm(ff).dataSync(), 1e-5);
  });

  it('noHopfield: tokens cross-attend to the up-projected priors (maps [batch, heads, tokens, M])', () => {
    const model = make({ ablation: { noHopfield: true }, crossAttentionHeads: 2 });
    (model.apply(images()) as tf.Tensor).dispose();
    expect(names(model).some((n) => n.includes('gwl/cross_attention/query/kernel'))).toBe(true);
    const maps = model.internalMaps();
    expect(maps['block0/gwl/cross_attention']?.shape).toEqual([3, 2, 4, 4]);
    expect(maps['block0/gwl/hopfield']).toBeUndefined();
  });

  it('noBalanceLoss: no auxiliary loss is reported; the full model reports one per block', () => {
    for (const [noBalanceLoss, count] of [
      [false, 2],
      [true, 0],
    ] as const) {
      const model = make({ depth: 2, ablation: { noBalanceLoss } });
      const ctx = createForwardContext(true);
      const x = images();
      (runWithForwardContext(ctx, () => model.apply(x)) as tf.Tensor).dispose();
      expect(ctx.auxLosses.map((a) => a.name)).toHaveLength(count);
      if (count > 0) expect(ctx.auxLosses.map((a) => a.name)).toEqual(['ait/block_0/gwl/balance', 'ait/block_1/gwl/balance']);
      releaseAuxLosses(ctx);
      discardStateUpdates(ctx);
    }
  });

  it('resetMemory: neither training nor evaluation changes the stored priors', async () => {
    const model = make({ ablation: { resetMemory: true } });
    const x = images();
    const y = tf.tensor1d([0, 1, 2], 'int32');
    (model.apply(x) as tf.Tensor).dispose();
    const priors = (): number[] => Array.from(model.nonTrainableWeights[0]?.read().dataSync() ?? []);
    const before = priors();
    const optimizer = new AdamW({ learningRate: 1e-2 });
    await crossEntropyStep(model, optimizer, { x, y });
    (model.apply(x) as tf.Tensor).dispose();
    expect(priors()).toEqual(before);
    // Without the ablation both change them.
    const full = make({});
    (full.apply(x) as tf.Tensor).dispose();
    const p0 = Array.from(full.nonTrainableWeights[0]?.read().dataSync() ?? []);
    (full.apply(x) as tf.Tensor).dispose();
    expect(Array.from(full.nonTrainableWeights[0]?.read().dataSync() ?? [])).not.toEqual(p0);
    optimizer.dispose();
  });
});
