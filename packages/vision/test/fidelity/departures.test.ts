// The smaller departures from the official AiT code that the Fidelity page lists (issue 23), each
// shown on the code that makes it: the balance loss counts a token's load by the top-k selection
// mask (official: gate > 0), the memory's row normalisation guards a zero norm (official: NaN),
// self-attention keeps its output projection with one head of full width (official: identity),
// and the balance loss is reported in training passes only (official: also in evaluation).
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { collectAuxLosses, MultiHeadAttention, setGlobalSeed, topKSoftmax } from '@ait/core';
import { balanceLoss, createModel, rowNormalize } from '../../src/index';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

describe('departures from the official AiT code', () => {
  it("load counts the selection mask: a kept token whose weight underflows to 0 still counts (official 'gate > 0' would not)", () => {
    // One head, one slot, four tokens, k = 3: logits 5, 0 and -200 are kept; exp(-205) underflows in float32.
    const { weights, gate } = topKSoftmax(tf.tensor3d([[[0, -200, -300, 5]]]), 3);
    expect(Array.from(gate.dataSync())).toEqual([1, 1, 0, 1]);
    expect(weights.dataSync()[1]).toBe(0);
    const ours = balanceLoss(weights, gate, 1).dataSync()[0] as number;
    const official = balanceLoss(weights, tf.cast(tf.greater(weights, 0), 'float32'), 1).dataSync()[0] as number;
    // importance [w0, 0, 0, w3]; load [1, 1, 0, 1] (mask) vs [1, 0, 0, 1] (gate > 0).
    const cv2 = (x: number[]): number => {
      const mean = x.reduce((a, b) => a + b, 0) / x.length;
      return x.reduce((a, b) => a + (b - mean) ** 2, 0) / (x.length - 1) / (mean * mean + 1e-10);
    };
    const w = Array.from(weights.dataSync());
    expect(ours).toBeCloseTo(cv2(w) + cv2([1, 1, 0, 1]), 5);
    expect(official).toBeCloseTo(cv2(w) + cv2([1, 0, 0, 1]), 5);
    expect(ours).not.toBeCloseTo(official, 3);
  });

  it('the row normalisation of the priors maps a zero row to zeros (official: 0 / 0 = NaN)', () => {
    const out = Array.from(
      rowNormalize(
        tf.tensor2d([
          [0, 0, 0],
          [3, 0, 4],
        ]),
      ).dataSync(),
    );
    expect(out).toEqual([0, 0, 0, 0.6000000238418579, 0, 0.800000011920929]);
  });

  it('self-attention with one head of the full width keeps its output projection (official: nn.Identity)', () => {
    const attention = new MultiHeadAttention({ numHeads: 1, headDim: 8 });
    tf.dispose(attention.apply(tf.zeros([1, 3, 8])) as tf.Tensor);
    expect(attention.weights.map((w) => [w.originalName.replace(/^.*?\//, ''), w.shape])).toContainEqual(['output/kernel', [8, 8]]);
    attention.dispose();
  });

  it('the balance loss is reported in training passes only (official: in evaluation too)', () => {
    setGlobalSeed(2);
    const model = createModel('ait-tiny', { classes: 4 });
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 1);
    const train = collectAuxLosses(() => model.apply(x, { training: true }) as tf.Tensor);
    const evaluation = collectAuxLosses(() => model.apply(x, { training: false }) as tf.Tensor, { training: false });
    expect(train.auxLosses.map((l) => l.name.replace(/^[^/]+\//, ''))).toEqual(['block_0/gwl/balance', 'block_1/gwl/balance']);
    expect(evaluation.auxLosses).toEqual([]);
    for (const r of [train, evaluation]) tf.dispose([r.output, r.auxLoss, ...r.auxLosses.map((l) => l.value)]);
    x.dispose();
    model.dispose();
  });
});
