// Fidelity check for issue 23: the official AiT code updates the priors in place after its write
// attention saved them for the backward pass, so its balance-loss gradient for the query weights is
// computed with the updated priors. AiT.js reads a copy of the priors in each pass (and tfjs keeps
// the values a gradient needs), so its gradient is the true one even when the memory update lands
// before the backward pass: here it equals float64 central differences of the balance loss written
// out independently (test/ait/float64-reference.ts), while the stored priors did change.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { collectAuxLosses, SeededRandom, setGlobalSeed } from '@ait/core';
import { GlobalWorkspaceLayer } from '../../src/index';
import { gwlWeights, referenceGwl, type GwlWeights, type Mat } from '../ait/float64-reference';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

/** Central differences of a float64 function of one matrix. */
function finiteDiffMat(f: (m: Mat) => number, m: Mat, h = 1e-6): number[] {
  const out: number[] = [];
  m.forEach((row, i) =>
    row.forEach((v, j) => {
      const at = (d: number): number => f(m.map((r, a) => (a === i ? r.map((x, b) => (b === j ? v + d : x)) : r)));
      out.push((at(h) - at(-h)) / (2 * h));
    }),
  );
  return out;
}

describe('balance-loss gradient with the memory update in the same pass', () => {
  it('d balance / d (write query, write key) equals float64 finite differences at the priors the pass read', () => {
    const [D, F, M, DM, HM, B, N, TOPK] = [6, 8, 3, 4, 2, 2, 4, 3];
    setGlobalSeed(17);
    const layer = new GlobalWorkspaceLayer({ mlpDim: F, memorySlots: M, memoryDim: DM, memoryHeads: HM, topK: TOPK, writeDropout: 0 });
    const rng = new SeededRandom(9);
    const uData = Array.from({ length: B * N * D }, () => rng.normal());
    const u = tf.tensor3d(uData, [B, N, D]);
    tf.dispose(layer.apply(u, { training: false }) as tf.Tensor); // builds; one EMA step
    const w = gwlWeights(layer, D, F, M, DM, HM);
    const u64 = Array.from({ length: B }, (_, b) => Array.from({ length: N }, (_, n) => uData.slice((b * N + n) * D, (b * N + n + 1) * D)));
    const balance = (weights: GwlWeights): number =>
      referenceGwl(u64, weights, { topK: TOPK, heads: HM, momentum: 0.9, beta: 1, balanceWeight: 0.01, mode: 'batch' }).balance;

    const variable = (suffix: string): tf.Variable => layer.weights.find((v) => v.originalName.endsWith(suffix))?.read() as tf.Variable;
    const query = variable('write/query/kernel');
    const key = variable('write/key/kernel');
    const priors = variable('/priors');
    const before = Array.from(priors.dataSync());
    // The training pass outside any Trainer: the EMA update is applied when the pass ends, before the
    // backward pass of tf.variableGrads (the moment the official code's in-place update corresponds to).
    const { value, grads } = tf.variableGrads(
      () => collectAuxLosses(() => layer.apply(u, { training: true }) as tf.Tensor).auxLoss,
      [query, key],
    );
    expect(Array.from(priors.dataSync())).not.toEqual(before);
    expect(value.dataSync()[0]).toBeCloseTo(balance(w), 6);

    const fdQuery = finiteDiffMat((wq) => balance({ ...w, wq }), w.wq);
    const fdKey = finiteDiffMat((wk) => balance({ ...w, wk }), w.wk);
    const close = (got: ArrayLike<number>, want: number[], label: string): void => {
      const scale = Math.max(...want.map(Math.abs));
      expect(scale, `${label}: the gradient is not trivially zero`).toBeGreaterThan(1e-4);
      for (let i = 0; i < want.length; i++)
        expect(Math.abs((got[i] as number) - (want[i] as number)), `${label}[${i}]`).toBeLessThan(2e-3 * scale + 1e-7);
    };
    close((grads[query.name] as tf.Tensor).dataSync(), fdQuery, 'd balance / d write/query/kernel');
    close((grads[key.name] as tf.Tensor).dataSync(), fdKey, 'd balance / d write/key/kernel');
    // The check tells the two apart: the gradient taken at the updated priors (what an update in
    // place before the backward pass gives) differs by more than the gradient's own size.
    const after = Array.from(priors.dataSync());
    const updated = { ...w, priors: Array.from({ length: M }, (_, i) => after.slice(i * DM, (i + 1) * DM)) };
    const fdUpdated = finiteDiffMat((wq) => balance({ ...updated, wq }), w.wq);
    const gap = Math.max(...fdUpdated.map((v, i) => Math.abs(v - (fdQuery[i] as number))));
    expect(gap).toBeGreaterThan(Math.max(...fdQuery.map(Math.abs)));
    tf.dispose([u, value, ...Object.values(grads)]);
    layer.dispose();
  });
});
