import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import {
  AdamW,
  createForwardContext,
  crossEntropy,
  discardStateUpdates,
  releaseAuxLosses,
  runWithForwardContext,
  setGlobalSeed,
  sumAuxLosses,
} from '@ait/core';
import { AssociativeTransformer, type AssociativeTransformerArgs } from '../../src/index';
import { SMALL_AIT } from './small-config';
import { useBackend } from '../helpers/backend';
import { crossEntropyStep } from '../helpers/train-step';

useBackend('cpu');

const x = (): tf.Tensor => tf.randomNormal([4, 8, 8, 3], 0, 1, 'float32', 1);
const y = (): tf.Tensor => tf.tensor1d([0, 1, 2, 1], 'int32');

/** Names of the trainable weights whose gradient of (cross-entropy + aux losses) exists and is non-zero. */
function weightsWithGradient(model: AssociativeTransformer): { withGrad: string[]; without: string[] } {
  const images = x();
  const labels = y();
  (model.apply(images) as tf.Tensor).dispose(); // build
  const weights = model.trainableWeights;
  const ctx = createForwardContext(true);
  const { value, grads } = tf.variableGrads(
    () =>
      runWithForwardContext(ctx, () => {
        const logits = model.apply(images) as tf.Tensor;
        return tf.add(crossEntropy(logits, labels), sumAuxLosses(ctx)) as tf.Scalar;
      }),
    weights.map((w) => w.read() as tf.Variable),
  );
  const withGrad: string[] = [];
  const without: string[] = [];
  for (const w of weights) {
    const g = grads[(w.read() as tf.Variable).name];
    const nonZero = g !== undefined && (tf.max(tf.abs(g)).dataSync()[0] as number) > 0;
    (nonZero ? withGrad : without).push(w.originalName.replace(/^ait\//, ''));
  }
  tf.dispose([value, images, labels, ...Object.values(grads)]);
  releaseAuxLosses(ctx);
  discardStateUpdates(ctx);
  return { withGrad, without };
}

const make = (overrides: Partial<AssociativeTransformerArgs> = {}): AssociativeTransformer => {
  setGlobalSeed(21);
  return new AssociativeTransformer({ ...SMALL_AIT, writeDropout: 0, ...overrides });
};

describe('which weights receive gradients', () => {
  it("reference ('ema'): the priors are a buffer; the write's value/output projections and norm get none; query/key learn from the balance loss only", () => {
    const model = make();
    const { withGrad, without } = weightsWithGradient(model);
    expect(without.sort()).toEqual(
      [
        'block_0/gwl/write/value/kernel',
        'block_0/gwl/write/output/kernel',
        'block_0/gwl/write_norm/gamma',
        'block_0/gwl/write_norm/beta',
      ].sort(),
    );
    expect(withGrad).toContain('block_0/gwl/write/query/kernel');
    expect(withGrad).toContain('block_0/gwl/write/key/kernel');
    expect(withGrad).toContain('block_0/gwl/up/kernel');
    expect(model.trainableWeights.map((w) => w.originalName)).not.toContain('ait/block_0/gwl/priors');
    expect(model.nonTrainableWeights.map((w) => w.originalName)).toEqual(['ait/block_0/gwl/priors']);
    model.dispose();
  });

  it('without the balance loss, the write query and key projections get no gradient either', () => {
    const model = make({ ablation: { noBalanceLoss: true } });
    const { without } = weightsWithGradient(model);
    expect(without).toContain('block_0/gwl/write/query/kernel');
    expect(without).toContain('block_0/gwl/write/key/kernel');
    expect(without).toHaveLength(6);
    model.dispose();
  });

  it("'learned' memory: the priors are trainable and every weight, the whole write attention included, gets a gradient", () => {
    const model = make({ memory: 'learned' });
    const { withGrad, without } = weightsWithGradient(model);
    expect(without).toEqual([]);
    expect(withGrad).toContain('block_0/gwl/priors');
    expect(withGrad).toContain('block_0/gwl/write/value/kernel');
    expect(model.nonTrainableWeights).toHaveLength(0);
    model.dispose();
  });

  it('a training step leaves the value/output projections at their initial values and moves the priors by the EMA only', async () => {
    const model = make();
    const images = x();
    const labels = y();
    (model.apply(images) as tf.Tensor).dispose();
    const read = (suffix: string): number[] =>
      Array.from(
        model.weights
          .find((w) => w.originalName.endsWith(suffix))
          ?.read()
          .dataSync() ?? [],
      );
    const before = {
      value: read('write/value/kernel'),
      output: read('write/output/kernel'),
      query: read('write/query/kernel'),
      priors: read('gwl/priors'),
    };
    const optimizer = new AdamW({ learningRate: 1e-2, weightDecay: 0.1 });
    await crossEntropyStep(model, optimizer, { x: images, y: labels });
    expect(read('write/value/kernel')).toEqual(before.value);
    expect(read('write/output/kernel')).toEqual(before.output);
    expect(read('write/query/kernel')).not.toEqual(before.query);
    const priors = read('gwl/priors');
    expect(priors).not.toEqual(before.priors);
    // Still unit rows: the stored value is the row-normalised EMA, not an optimiser step.
    for (let r = 0; r < 4; r++) {
      const row = priors.slice(r * 8, r * 8 + 8);
      expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    }
    tf.dispose([images, labels]);
    optimizer.dispose();
    model.dispose();
  });
});
