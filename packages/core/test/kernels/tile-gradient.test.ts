import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { runOn, setUpBackends, values } from './kernel-test-helpers';

/** d/dx sum(tile(x, reps) * w) by loops: each x entry collects w at every copy of it. */
function naiveTileGrad(shape: number[], reps: number[], w: number[]): number[] {
  const outShape = shape.map((d, i) => d * (reps[i] as number));
  const size = shape.reduce((a, b) => a * b, 1);
  const g = new Array<number>(size).fill(0);
  const outSize = outShape.reduce((a, b) => a * b, 1);
  for (let o = 0; o < outSize; o++) {
    let rest = o;
    let src = 0;
    let stride = 1;
    const coords: number[] = [];
    for (let a = outShape.length - 1; a >= 0; a--) {
      coords[a] = rest % (outShape[a] as number);
      rest = Math.floor(rest / (outShape[a] as number));
    }
    for (let a = shape.length - 1; a >= 0; a--) {
      src += ((coords[a] as number) % (shape[a] as number)) * stride;
      stride *= shape[a] as number;
    }
    g[src] = (g[src] as number) + (w[o] as number);
  }
  return g;
}

describe('Tile gradient (one reshape and sum)', () => {
  beforeAll(setUpBackends);

  it.each([
    [
      [1, 4, 3],
      [5, 1, 1],
    ],
    [
      [2, 3],
      [3, 2],
    ],
    [
      [2, 1, 3],
      [1, 4, 2],
    ],
    [[3], [1]],
  ])('x %j tiled %j: equals the loop on wasm and cpu, also through broadcastTo', async (shape, reps) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const outSize = size * reps.reduce((a, b) => a * b, 1);
    const xv = values(size, 31);
    const wv = values(outSize, 32);
    const outShape = shape.map((d, i) => d * (reps[i] as number));
    const expected = naiveTileGrad(shape, reps, wv);
    for (const backend of ['wasm', 'cpu']) {
      const r = await runOn(backend, () =>
        tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.tile(x, reps), tf.tensor(wv, outShape))))(tf.tensor(xv, shape)),
      );
      expect(r.shapes[0]).toEqual(shape);
      r.values[0]!.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
    }
    if (shape.every((d, i) => d === 1 || reps[i] === 1)) {
      const r = await runOn('wasm', () =>
        tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.broadcastTo(x, outShape), tf.tensor(wv, outShape))))(tf.tensor(xv, shape)),
      );
      r.values[0]!.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 4));
    }
  });
});
