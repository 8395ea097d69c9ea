// collectAuxLosses: the auxiliary losses of a forward pass, readable outside the Trainer. A training
// loop written by hand with it (tf.variableGrads + AdamW) takes the same step as trainStep: same
// total, task and auxiliary loss, same weights and state afterwards. Also: ownership of the
// returned tensors (freed by an enclosing tidy, or by the caller), state updates (applied, or handed
// to an enclosing context), errors, and a pass outside training.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  AdamW,
  addAuxLoss,
  collectAuxLosses,
  createForwardContext,
  crossEntropy,
  currentForwardContext,
  discardStateUpdates,
  parameterRefs,
  runWithForwardContext,
  setGlobalSeed,
  trainStep,
} from '../../src/index';
import { buildTinyNet, toyData, weightValues, type TinyNet } from './tiny-net';
import { useBackend } from '../../testing/index';

useBackend('cpu');

const OPTIONS = { inputs: 4, hidden: 6, classes: 3, auxCoef: 0.3 };

function twin(seed: number): TinyNet {
  setGlobalSeed(seed);
  return buildTinyNet({ ...OPTIONS, name: 'tiny' });
}

function batch(seed: number): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const data = toyData(8, OPTIONS.inputs, OPTIONS.classes, seed);
  return { x: tf.tensor2d(data.x), y: tf.tensor1d(data.y, 'int32') };
}

describe('collectAuxLosses', () => {
  it('a hand-written training loop takes the same steps as trainStep (losses, weights, state)', async () => {
    const a = twin(3);
    const b = twin(3);
    expect(weightValues(b)).toEqual(weightValues(a));
    const optA = new AdamW({ learningRate: 0.01, weightDecay: 0.1 });
    const optB = new AdamW({ learningRate: 0.01, weightDecay: 0.1 });
    const paramsA = parameterRefs(a);
    const paramsB = parameterRefs(b);
    for (let step = 0; step < 3; step++) {
      const { x, y } = batch(10 + step);
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

      // The loop a user writes: forward with collectAuxLosses, total = task + aux, AdamW on the gradients.
      let task = Number.NaN;
      let aux = Number.NaN;
      const { value, grads } = tf.variableGrads(
        () => {
          const { output, auxLoss, auxLosses } = collectAuxLosses(() => b.apply(x, { training: true }) as tf.Tensor);
          expect(auxLosses.map((l) => l.name)).toEqual(['tiny/aux']);
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

      expect(value.dataSync()[0]).toBeCloseTo(reference.loss, 6);
      expect(task).toBeCloseTo(reference.taskLoss, 6);
      expect(aux).toBeCloseTo(reference.auxLoss, 6);
      expect(reference.auxLoss).toBeGreaterThan(0);
      // The auxiliary loss reaches its weight; same update as trainStep's, state included (ema, calls).
      expect(withGrad.map((p) => p.name)).toContain('tiny/aux');
      const wa = weightValues(a);
      const wb = weightValues(b);
      for (const name of Object.keys(wa)) {
        (wb[name] as number[]).forEach((v, i) =>
          expect(v, `${name}[${i}] after step ${step}`).toBeCloseTo((wa[name] as number[])[i] as number, 6),
        );
      }
      expect(wb['tiny/calls']).toEqual([step + 1]);
      tf.dispose([x, y, value, ...Object.values(grads)]);
    }
    optA.dispose();
    optB.dispose();
    a.dispose();
    b.dispose();
  });

  it('returns tensors the caller owns: an enclosing tidy frees them; outside one, disposing them leaves nothing behind', () => {
    const net = twin(4);
    const { x } = batch(20);
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const r = collectAuxLosses(() => net.apply(x) as tf.Tensor);
      expect(r.auxLoss.shape).toEqual([]);
      expect(r.output.shape).toEqual([8, 3]);
    });
    expect(tf.memory().numTensors).toBe(before);
    const r = collectAuxLosses(() => net.apply(x) as tf.Tensor);
    const expected = 0.3 * Array.from(net.aux.read().dataSync()).reduce((s, v) => s + v * v, 0);
    expect(r.auxLoss.dataSync()[0]).toBeCloseTo(expected, 5);
    expect(r.auxLosses[0]?.value.dataSync()[0]).toBeCloseTo(expected, 5);
    tf.dispose([r.output, r.auxLoss, ...r.auxLosses.map((l) => l.value)]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    net.dispose();
  });

  it('sums several losses; no loss gives a scalar 0; the pass is a training pass unless told otherwise', () => {
    const r = collectAuxLosses(() => {
      addAuxLoss('a', tf.scalar(1.5));
      addAuxLoss('b', tf.scalar(-0.25));
      return 7;
    });
    expect(r.output).toBe(7);
    expect(r.auxLosses.map((l) => [l.name, l.value.dataSync()[0]])).toEqual([
      ['a', 1.5],
      ['b', -0.25],
    ]);
    expect(r.auxLoss.dataSync()[0]).toBe(1.25);
    const none = collectAuxLosses(() => 0);
    expect(none.auxLosses).toEqual([]);
    expect(none.auxLoss.shape).toEqual([]);
    expect(none.auxLoss.dataSync()[0]).toBe(0);
    // Layers that get no explicit `training` keyword read it from the context.
    expect(collectAuxLosses(() => currentForwardContext()?.training).output).toBe(true);
    expect(collectAuxLosses(() => currentForwardContext()?.training, { training: false }).output).toBe(false);
    tf.dispose([r.auxLoss, none.auxLoss, ...r.auxLosses.map((l) => l.value)]);
  });

  it('applies state updates when the pass ends, or hands them to an enclosing forward context', () => {
    const net = twin(6);
    const { x } = batch(22);
    const r = collectAuxLosses(() => net.apply(x) as tf.Tensor);
    expect(Array.from(net.calls.read().dataSync())).toEqual([1]);
    const outer = createForwardContext(true);
    const inner = runWithForwardContext(outer, () => collectAuxLosses(() => net.apply(x) as tf.Tensor));
    expect(Array.from(net.calls.read().dataSync())).toEqual([1]);
    expect(outer.stateUpdates).toHaveLength(2);
    expect(outer.auxLosses).toHaveLength(0);
    discardStateUpdates(outer);
    tf.dispose([
      x,
      r.output,
      r.auxLoss,
      inner.output,
      inner.auxLoss,
      ...r.auxLosses.map((l) => l.value),
      ...inner.auxLosses.map((l) => l.value),
    ]);
    net.dispose();
  });

  it('frees everything and drops the state updates when the pass throws; names a loss a tidy disposed too early', () => {
    const net = twin(7);
    const { x } = batch(23);
    const before = tf.memory().numTensors;
    expect(() =>
      collectAuxLosses(() => {
        net.apply(x);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(Array.from(net.calls.read().dataSync())).toEqual([0]);
    // net.apply's logits were not freed by anyone (no tidy around the throwing pass): one tensor.
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(() =>
      collectAuxLosses(() => {
        const t = tf.scalar(2);
        addAuxLoss('early', t);
        t.dispose();
      }),
    ).toThrow(/"early" was disposed before the forward pass ended/);
    x.dispose();
    net.dispose();
  });
});
