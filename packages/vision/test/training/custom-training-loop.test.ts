// A training loop written by hand with @ait/core's collectAuxLosses trains AiT exactly as trainStep
// does: the balance losses of every block reach the loss (the write's query and key projections
// learn from them), and total, task and auxiliary loss, the weights and the EMA memory after each
// step agree with trainStep on a twin model. This is the example of the vision guide, as a test.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { AdamW, collectAuxLosses, crossEntropy, parameterRefs, setGlobalSeed, trainStep } from '@ait/core';
import { createModel, type VisionModel } from '../../src/index';
import { imageBatch } from '../helpers/model-checks';
import { useBackend } from '../helpers/backend';

useBackend('cpu');

/** Values of every weight (trainable and state) by name. */
function snapshot(model: VisionModel): Map<string, Float32Array> {
  return new Map(model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
}

describe('a custom training loop with collectAuxLosses', () => {
  it('ait-tiny: the same losses, weights and memory as trainStep, step after step', async () => {
    setGlobalSeed(30);
    const a = createModel('ait-tiny', { classes: 4 });
    const b = createModel('ait-tiny', { classes: 4 });
    const { x: x0 } = imageBatch(1, 16, 3, 4, 1);
    tf.dispose([a.apply(x0, { training: false }) as tf.Tensor, b.apply(x0, { training: false }) as tf.Tensor, x0]);
    b.setWeights(a.getWeights());
    const optA = new AdamW({ learningRate: 1e-3, weightDecay: 0.01 });
    const optB = new AdamW({ learningRate: 1e-3, weightDecay: 0.01 });
    const paramsA = parameterRefs(a);
    const paramsB = parameterRefs(b);
    for (let step = 0; step < 3; step++) {
      const { x, y } = imageBatch(6, 16, 3, 4, 10 + step);
      setGlobalSeed(100 + step); // the same dropout masks in both passes
      const reference = await trainStep({
        model: a,
        params: paramsA,
        optimizer: optA,
        batch: { x, y },
        loss: crossEntropy,
        epoch: 0,
        step,
        stepInEpoch: step,
      });

      setGlobalSeed(100 + step);
      let names: string[] = [];
      let task = Number.NaN;
      let aux = Number.NaN;
      const { value, grads } = tf.variableGrads(
        () => {
          const { output, auxLoss, auxLosses } = collectAuxLosses(() => b.apply(x, { training: true }) as tf.Tensor);
          names = auxLosses.map((l) => l.name);
          const taskLoss = crossEntropy(output, y);
          task = taskLoss.dataSync()[0] as number;
          aux = auxLoss.dataSync()[0] as number;
          return tf.add(taskLoss, auxLoss) as tf.Scalar;
        },
        paramsB.map((p) => p.variable),
      );
      const withGrad = paramsB.filter((p) => grads[p.variable.name] !== undefined);
      optB.applyGradients(
        withGrad,
        withGrad.map((p) => grads[p.variable.name] as tf.Tensor),
      );

      // One balance loss per block, and the write's query projection learns from it.
      expect(names.map((n) => n.replace(/^[^/]+\//, ''))).toEqual(['block_0/gwl/balance', 'block_1/gwl/balance']);
      expect(withGrad.map((p) => p.name)).toContain(paramsB.find((p) => p.name.endsWith('block_0/gwl/write/query/kernel'))?.name);
      expect(reference.auxLoss).toBeGreaterThan(0);
      expect(value.dataSync()[0]).toBeCloseTo(reference.loss, 5);
      expect(task).toBeCloseTo(reference.taskLoss, 5);
      expect(aux).toBeCloseTo(reference.auxLoss, 5);
      const wa = snapshot(a);
      for (const [name, vb] of snapshot(b)) {
        const va = wa.get(name) as Float32Array;
        let worst = 0;
        for (let i = 0; i < va.length; i++) worst = Math.max(worst, Math.abs((va[i] as number) - (vb[i] as number)));
        expect(worst, `${name} after step ${step}`).toBeLessThan(1e-5);
      }
      tf.dispose([x, y, value, ...Object.values(grads)]);
    }
    optA.dispose();
    optB.dispose();
    a.dispose();
    b.dispose();
  });
});
