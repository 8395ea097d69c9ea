import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { sequential } from '@tensorflow/tfjs-layers';
import { ConvStem, convStemOutputSize, SeededRandom } from '../../src/index';
import { naiveConvStem, type StemStage } from './conv-stem-reference';
import { expectClose, finiteDiff, randn, useBackend } from '../../testing/index';

useBackend('cpu', 3);

/** A built stem with random weights, and the same weights as float64 stages. */
function stemWithWeights(rng: SeededRandom, cin: number, channels: number[], k = 3): { stem: ConvStem; stages: StemStage[] } {
  const stem = new ConvStem({ channels, kernelSize: k });
  stem.build([null, null, null, cin]);
  const stages: StemStage[] = [];
  const values: tf.Tensor[] = [];
  let c = cin;
  for (const cout of channels) {
    const kernel = randn(rng, k * k * c * cout, 0.5);
    const bias = randn(rng, cout, 0.1);
    stages.push({ kernel, bias, k, cin: c, cout });
    values.push(tf.tensor(kernel, [k, k, c, cout]), tf.tensor(bias, [cout]));
    c = cout;
  }
  stem.setWeights(values);
  return { stem, stages };
}

describe('ConvStem', () => {
  it('equals a float64 conv -> ReLU -> max pool loop, also for sides the pooling does not divide', () => {
    const rng = new SeededRandom(5);
    const { stem, stages } = stemWithWeights(rng, 2, [3, 4]);
    const shape = [2, 9, 11, 2] as const;
    const x = randn(rng, 2 * 9 * 11 * 2);
    const y = stem.apply(tf.tensor(x, [...shape])) as tf.Tensor;
    const ref = naiveConvStem(x, shape, stages, 2);
    expect(y.shape).toEqual([2, 2, 2, 4]);
    expect(ref.shape).toEqual([2, 2, 2, 4]);
    expect(stem.computeOutputShape([null, 9, 11, 2])).toEqual([null, 2, 2, 4]);
    expectClose(y.dataSync(), ref.out, { abs: 1e-5, rel: 1e-4 }, 'stem output');
    expect(convStemOutputSize(64, 2)).toBe(16);
    expect(convStemOutputSize(75, 2)).toBe(18);
  });

  it('gradients with respect to the images and the kernels match finite differences', () => {
    const rng = new SeededRandom(6);
    const { stem, stages } = stemWithWeights(rng, 1, [2, 3]);
    const shape = [1, 6, 6, 1] as const;
    const x = randn(rng, 36);
    const r = randn(rng, 1 * 1 * 1 * 3);
    const loss = (out: number[]): number => out.reduce((s, v, i) => s + v * (r[i] as number), 0);
    const rt = tf.tensor(r, [1, 1, 1, 3]);
    const img = tf.tensor(x, [...shape]);
    const gx = tf.grad((im: tf.Tensor) => tf.sum(tf.mul(stem.apply(im) as tf.Tensor, rt)))(img);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(stem.apply(img) as tf.Tensor, rt)) as tf.Scalar);
    const gk = grads[(stem.trainableWeights[0]!.read() as tf.Variable).name];
    expect(gk?.shape).toEqual([3, 3, 1, 2]);
    const numX = finiteDiff((xs) => loss(naiveConvStem(xs, shape, stages, 2).out), x);
    expectClose(gx.dataSync(), numX, { abs: 1e-3, rel: 1e-3 }, 'd/dimages');
    const s0 = stages[0] as StemStage;
    const numK = finiteDiff((ks) => loss(naiveConvStem(x, shape, [{ ...s0, kernel: ks }, ...stages.slice(1)], 2).out), s0.kernel);
    expectClose(gk!.dataSync(), numK, { abs: 1e-3, rel: 1e-3 }, 'd/dkernel_0');
  });

  it('keeps no tensors after a training-style pass', () => {
    const rng = new SeededRandom(7);
    const { stem } = stemWithWeights(rng, 1, [4, 8]);
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 1);
    const run = (): void => {
      const { value, grads } = tf.variableGrads(() => tf.sum(stem.apply(x) as tf.Tensor) as tf.Scalar);
      value.dispose();
      tf.dispose(grads);
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) run();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips through getConfig and a saved model', async () => {
    const layer = new ConvStem({ channels: [3, 5], kernelSize: 5, poolSize: 2, inputShape: [8, 8, 2] });
    const m = sequential({ layers: [layer] });
    const cfg = layer.getConfig();
    expect(cfg).toMatchObject({ channels: [3, 5], kernelSize: 5, poolSize: 2 });
    const copy = ConvStem.fromConfig(ConvStem, cfg) as ConvStem;
    expect(copy.getConfig()).toEqual(cfg);
    expect(m.weights.map((w) => w.shape)).toEqual([[5, 5, 2, 3], [3], [5, 5, 3, 5], [5]]);
  });

  it('rejects bad configs and inputs with a message that names the fix', () => {
    expect(() => new ConvStem({ channels: [] })).toThrow(/at least one stage/);
    const stem = new ConvStem({ channels: [2, 2, 2] });
    expect(() => stem.apply(tf.zeros([1, 4, 4, 1]))).toThrow(/smaller than the stem's reduction 8/);
    const ok = new ConvStem({ channels: [2] });
    ok.apply(tf.zeros([1, 4, 4, 1]));
    expect(() => ok.apply(tf.zeros([1, 4, 4, 3]))).toThrow(/built for 1-channel images/);
  });
});
