import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { createForwardContext, DropPath, dropPath, Dropout, dropout, runWithForwardContext, setGlobalSeed } from '../../src/index';
import { expectClose, useBackend } from '../../testing/index';

useBackend('cpu');

describe('dropout', () => {
  let x: tf.Tensor;
  beforeAll(() => {
    x = tf.reshape(tf.add(tf.range(0, 4000), 1), [40, 100]);
  });

  it('is the identity at inference and with rate 0', () => {
    expect(dropout(x, 0.5, false)).toBe(x);
    expect(dropout(x, 0, true)).toBe(x);
    const layer = new Dropout({ rate: 0.5 });
    expect(Array.from((layer.apply(x) as tf.Tensor).dataSync())).toEqual(Array.from(x.dataSync()));
    expect(Array.from((layer.apply(x, { training: false }) as tf.Tensor).dataSync())).toEqual(Array.from(x.dataSync()));
  });

  it('zeroes about `rate` of the entries and scales the rest by 1 / (1 - rate)', () => {
    setGlobalSeed(1);
    const y = dropout(x, 0.3, true).dataSync();
    const xs = x.dataSync();
    let zeros = 0;
    y.forEach((v, i) => {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo((xs[i] as number) / 0.7, 3);
    });
    expect(zeros / y.length).toBeGreaterThan(0.25);
    expect(zeros / y.length).toBeLessThan(0.35);
  });

  it('is reproducible from setGlobalSeed and differs between calls', () => {
    setGlobalSeed(7);
    const a = dropout(x, 0.5, true).dataSync();
    const b = dropout(x, 0.5, true).dataSync();
    setGlobalSeed(7);
    const a2 = dropout(x, 0.5, true).dataSync();
    expect(Array.from(a2)).toEqual(Array.from(a));
    expect(Array.from(b)).not.toEqual(Array.from(a));
    expect(Array.from(dropout(x, 0.5, true, 99).dataSync())).toEqual(Array.from(dropout(x, 0.5, true, 99).dataSync()));
  });

  it('the layer follows the training keyword, else the forward context', () => {
    const layer = new Dropout({ rate: 0.5 });
    setGlobalSeed(3);
    const viaKw = (layer.apply(x, { training: true }) as tf.Tensor).dataSync();
    setGlobalSeed(3);
    const viaCtx = runWithForwardContext(createForwardContext(true), () => (layer.apply(x) as tf.Tensor).dataSync());
    expect(Array.from(viaCtx)).toEqual(Array.from(viaKw));
    expect(Array.from(viaKw)).not.toEqual(Array.from(x.dataSync()));
    const ctxOff = runWithForwardContext(createForwardContext(true), () => (layer.apply(x, { training: false }) as tf.Tensor).dataSync());
    expect(Array.from(ctxOff)).toEqual(Array.from(x.dataSync()));
    expect(() => new Dropout({ rate: 1 })).toThrow(/Invalid Dropout config[\s\S]*rate/);
    expect(() => dropout(x, -0.1, true)).toThrow(/rate must be in \[0, 1\)/);
  });
});

describe('dropPath', () => {
  const B = 64;
  let x: tf.Tensor;
  beforeAll(() => {
    x = tf.randomUniform([B, 3, 2], 0.5, 1.5, 'float32', 4);
  });

  it('zeroes whole samples, scales kept ones by 1/(1-rate), is reproducible and off at inference', () => {
    setGlobalSeed(11);
    const y = dropPath(x, 0.25, true).arraySync() as number[][][];
    const xs = x.arraySync() as number[][][];
    let dropped = 0;
    for (let b = 0; b < B; b++) {
      const row = y[b]!.flat();
      const ref = xs[b]!.flat();
      if (row.every((v) => v === 0)) dropped++;
      else
        expectClose(
          row,
          ref.map((v) => v / 0.75),
          { abs: 1e-6, rel: 1e-6 },
          `sample ${b}`,
        );
    }
    expect(dropped).toBeGreaterThan(4);
    expect(dropped).toBeLessThan(32);
    setGlobalSeed(11);
    expect(dropPath(x, 0.25, true).arraySync()).toEqual(y);
    expect(dropPath(x, 0.25, false)).toBe(x);
    const layer = new DropPath({ rate: 0.25 });
    expect((layer.apply(x) as tf.Tensor).arraySync()).toEqual(xs);
    setGlobalSeed(11);
    expect((layer.apply(x, { training: true }) as tf.Tensor).arraySync()).toEqual(y);
  });

  it('has gradient mask / (1 - rate) per sample (finite differences with the same seed)', () => {
    const seed = 1234;
    const rate = 0.5;
    const xs = tf.randomNormal([8, 3], 0, 1, 'float32', 2);
    const R = tf.randomNormal([8, 3], 0, 1, 'float32', 3);
    const f = (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(dropPath(t, rate, true, seed), R));
    const g = tf.grad(f)(xs).arraySync() as number[][];
    const kept = (dropPath(tf.ones([8, 3]), rate, true, seed).arraySync() as number[][]).map((r) => r[0]! > 0);
    expect(kept.some(Boolean)).toBe(true);
    expect(kept.some((k) => !k)).toBe(true);
    const Rv = R.arraySync() as number[][];
    const h = 1e-2;
    const base = xs.arraySync() as number[][];
    for (let b = 0; b < 8; b++) {
      for (let c = 0; c < 3; c++) {
        const expected = kept[b] ? Rv[b]![c]! / (1 - rate) : 0;
        expect(g[b]![c]).toBeCloseTo(expected, 5);
        const plus = base.map((r) => [...r]);
        const minus = base.map((r) => [...r]);
        plus[b]![c]! += h;
        minus[b]![c]! -= h;
        const fd = (f(tf.tensor2d(plus)).dataSync()[0]! - f(tf.tensor2d(minus)).dataSync()[0]!) / (2 * h);
        expect(Math.abs(fd - g[b]![c]!)).toBeLessThan(1e-2 * Math.max(1, Math.abs(expected)));
      }
    }
  });
});
