import * as tf from '@tensorflow/tfjs-core';
import { initializers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import {
  AdamW,
  addAuxLoss,
  AitLayer,
  crossEntropy,
  fusedGelu,
  fusedLayerNorm,
  globalRng,
  NonFiniteLossError,
  parameterRefs,
  setGlobalSeed,
  trainStep,
  type CallKwargs,
  type ParameterRef,
} from '../../src/index';
import { buildTinyNet, toyData, weightValues, type TinyNet } from './tiny-net';
import { useBackend } from '../../testing/index';

useBackend('cpu');

/** A tiny net with dropout and an auxiliary loss (weights drawn from `seed`), AdamW, its parameters and a batch of 6. */
function smallStep(seed: number): { net: TinyNet; optimizer: AdamW; params: ParameterRef[]; batch: { x: tf.Tensor2D; y: tf.Tensor1D } } {
  setGlobalSeed(seed);
  const net = buildTinyNet({ inputs: 3, hidden: 5, classes: 2, dropout: 0.5, auxCoef: 0.1 });
  const { x, y } = toyData(6, 3, 2, 4);
  return {
    net,
    optimizer: new AdamW({ learningRate: 0.01 }),
    params: parameterRefs(net),
    batch: { x: tf.tensor2d(x), y: tf.tensor1d(y, 'int32') },
  };
}

/** logits = x K; a separate `aux` [3] reached only by the auxiliary loss 0.5 * coef * |aux|^2. */
class LinearProbe extends AitLayer {
  static readonly className = 'LinearProbe';
  kernel!: LayerVariable;
  aux!: LayerVariable;
  constructor(
    private readonly inputs: number,
    private readonly classes: number,
    private readonly coef: number,
  ) {
    super({ name: 'probe' });
  }
  override build(): void {
    const normal = () => initializers.randomNormal({ mean: 0, stddev: 1, seed: globalRng().nextSeed() });
    this.kernel = this.addWeight('kernel', [this.inputs, this.classes], 'float32', normal());
    this.aux = this.addWeight('aux', [3], 'float32', normal());
    this.built = true;
  }
  override computeOutputShape(s: (number | null)[]): (number | null)[] {
    return [s[0] ?? null, this.classes];
  }
  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor2D;
    addAuxLoss(
      'probe/aux',
      tf.tidy(() => tf.mul(tf.sum(tf.square(this.aux.read())), 0.5 * this.coef) as tf.Scalar),
    );
    return tf.matMul(x, this.kernel.read() as tf.Tensor2D);
  }
}

function values(w: LayerVariable): number[] {
  return Array.from(w.read().dataSync());
}

describe('trainStep', () => {
  it('adds the auxiliary loss, differentiates it, and applies one AdamW step (analytic check)', async () => {
    setGlobalSeed(5);
    const [B, D, C, coef, lr, wd] = [5, 3, 4, 0.3, 0.01, 0.1];
    const probe = new LinearProbe(D, C, coef);
    tf.tidy(() => {
      probe.apply(tf.zeros([1, D]));
    });
    const { x, y } = toyData(B, D, C, 17);
    const K = values(probe.kernel);
    const a = values(probe.aux);

    // float64 reference: logits, softmax, cross-entropy and its gradient X^T (p - onehot) / B.
    let task = 0;
    const gK = new Array<number>(D * C).fill(0);
    for (let b = 0; b < B; b++) {
      const row = x[b] as number[];
      const logits = Array.from({ length: C }, (_, c) => row.reduce((s, v, i) => s + v * (K[i * C + c] as number), 0));
      const m = Math.max(...logits);
      const z = logits.reduce((s, l) => s + Math.exp(l - m), 0);
      const label = y[b] as number;
      task += -((logits[label] as number) - m - Math.log(z)) / B;
      for (let c = 0; c < C; c++) {
        const p = Math.exp((logits[c] as number) - m) / z - (c === label ? 1 : 0);
        for (let i = 0; i < D; i++) gK[i * C + c] = (gK[i * C + c] as number) + ((row[i] as number) * p) / B;
      }
    }
    const aux = 0.5 * coef * a.reduce((s, v) => s + v * v, 0);
    const gA = a.map((v) => coef * v);
    const norm = Math.sqrt([...gK, ...gA].reduce((s, g) => s + g * g, 0));

    const optimizer = new AdamW({ learningRate: 0.5, weightDecay: wd });
    const batch = { x: tf.tensor2d(x), y: tf.tensor1d(y, 'int32') };
    const before = tf.memory().numTensors;
    const metrics = await trainStep({
      model: probe,
      params: parameterRefs(probe),
      optimizer,
      batch,
      loss: (o, t) => crossEntropy(o, t),
      learningRate: lr,
      epoch: 0,
      step: 0,
      stepInEpoch: 0,
    });
    expect(metrics.taskLoss).toBeCloseTo(task, 5);
    expect(metrics.auxLoss).toBeCloseTo(aux, 5);
    expect(metrics.loss).toBeCloseTo(task + aux, 5);
    expect(metrics.gradNorm).toBeCloseTo(norm, 5);
    expect(metrics.learningRate).toBe(lr);
    expect(metrics.examples).toBe(y.length);
    expect(optimizer.learningRate).toBe(lr);
    expect(optimizer.iterations).toBe(1);

    // First AdamW step: p <- p (1 - lr wd) [rank >= 2 only] - lr g / (|g| + eps).
    const step = (g: number): number => (lr * g) / (Math.abs(g) + 1e-8);
    values(probe.kernel).forEach((v, i) => expect(v).toBeCloseTo((K[i] as number) * (1 - lr * wd) - step(gK[i] as number), 6));
    values(probe.aux).forEach((v, i) => expect(v).toBeCloseTo((a[i] as number) - step(gA[i] as number), 6));
    // Moments (m = 0.1 g) confirm the aux weight received exactly its analytic gradient.
    const mAux = Array.from(optimizer.getState().moments['probe/aux']?.m.dataSync() ?? []);
    mAux.forEach((v, i) => expect(v).toBeCloseTo(0.1 * (gA[i] as number), 6));
    // Only the moments were added (2 per parameter); nothing else outlived the step.
    expect(tf.memory().numTensors).toBe(before + 4);

    // Clipping: the reported norm is the one before clipping; the moments see the clipped gradient.
    const clipOpt = new AdamW({ learningRate: lr, weightDecay: 0 });
    const clipNorm = norm / 4;
    const m2 = await trainStep({
      model: probe,
      params: parameterRefs(probe),
      optimizer: clipOpt,
      batch,
      loss: (o, t) => crossEntropy(o, t),
      clipNorm,
      epoch: 0,
      step: 1,
      stepInEpoch: 1,
    });
    expect(m2.learningRate).toBe(lr);
    const state = clipOpt.getState().moments;
    const mA = Array.from(state['probe/aux']?.m.dataSync() ?? []);
    const mK = Array.from(state['probe/kernel']?.m.dataSync() ?? []);
    const clippedNorm = Math.sqrt([...mA, ...mK].reduce((s, v) => s + (v / 0.1) ** 2, 0));
    expect(m2.gradNorm).toBeGreaterThan(clipNorm * 3);
    expect(clippedNorm).toBeCloseTo(clipNorm, 4);
    tf.dispose([batch.x, batch.y]);
    optimizer.dispose();
    clipOpt.dispose();
    probe.dispose();
  });

  it('a loss that throws leaves no tensor behind (the tape the backward pass never ran), and the next step works', async () => {
    const { net, optimizer, params, batch } = smallStep(9);
    await trainStep({ model: net, params, optimizer, batch, loss: crossEntropy, epoch: 0, step: 0, stepInEpoch: 0 }); // creates the moments
    const before = tf.memory().numTensors;
    // the fused kernels save activations for their backward pass: a throw after them must free those too
    const failing = (o: tf.Tensor, t: tf.Tensor): tf.Scalar => {
      const squashed = fusedLayerNorm(fusedGelu(o, 'none'), tf.ones([2]), tf.zeros([2]));
      crossEntropy(squashed, t);
      throw new Error('the loss failed');
    };
    for (let i = 0; i < 3; i++) {
      await expect(trainStep({ model: net, params, optimizer, batch, loss: failing, epoch: 0, step: 1, stepInEpoch: 1 })).rejects.toThrow(
        'the loss failed',
      );
    }
    expect(tf.memory().numTensors).toBe(before);
    const ok = await trainStep({ model: net, params, optimizer, batch, loss: crossEntropy, epoch: 0, step: 1, stepInEpoch: 1 });
    expect(Number.isFinite(ok.loss)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([batch.x, batch.y]);
  });

  it('applies state updates after the optimiser step, and rejects a NaN loss without changing anything', async () => {
    const { net, optimizer, params, batch } = smallStep(8);
    const callsDuringLoss: number[] = [];
    const loss = (o: tf.Tensor, t: tf.Tensor): tf.Scalar => {
      callsDuringLoss.push(net.calls.read().dataSync()[0] as number);
      return crossEntropy(o, t);
    };
    const emaBefore = values(net.ema);
    const m1 = await trainStep({ model: net, params, optimizer, batch, loss, epoch: 0, step: 0, stepInEpoch: 0 });
    expect(callsDuringLoss).toEqual([0]); // not applied during the forward pass
    expect(values(net.calls)).toEqual([1]); // applied after the step
    expect(values(net.ema)).not.toEqual(emaBefore);
    expect(m1.auxLoss).toBeGreaterThan(0);
    expect(Number.isFinite(m1.gradNorm)).toBe(true);

    const snapshot = weightValues(net);
    const poisoned = { x: tf.mul(batch.x, Number.NaN), y: batch.y };
    const before = tf.memory().numTensors;
    const error = await trainStep({ model: net, params, optimizer, batch: poisoned, loss, epoch: 3, step: 41, stepInEpoch: 2 }).catch(
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(NonFiniteLossError);
    expect((error as NonFiniteLossError).message).toMatch(/loss is NaN at epoch 3, step 41[\s\S]*Lower the learning rate[\s\S]*clipNorm/);
    expect((error as NonFiniteLossError).quantity).toBe('loss');
    expect(weightValues(net)).toEqual(snapshot); // weights and state buffers (calls, ema) untouched
    expect(optimizer.iterations).toBe(1);
    expect(tf.memory().numTensors).toBe(before);

    // An infinite loss from the loss function itself is rejected the same way.
    const inf = await trainStep({
      model: net,
      params,
      optimizer,
      batch,
      loss: () => tf.scalar(Number.POSITIVE_INFINITY),
      epoch: 0,
      step: 1,
      stepInEpoch: 1,
    }).catch((err: unknown) => err);
    expect(inf).toBeInstanceOf(NonFiniteLossError);
    expect(weightValues(net)).toEqual(snapshot);
    expect(tf.memory().numTensors).toBe(before);

    // A good step afterwards still works and keeps memory flat.
    await trainStep({ model: net, params, optimizer, batch, loss, epoch: 0, step: 1, stepInEpoch: 1 });
    expect(values(net.calls)).toEqual([2]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([batch.x, batch.y, poisoned.x]);
    optimizer.dispose();
    net.dispose();
  });
});
