import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { maxAbsDiff, naiveMatMul, runOn, setUpBackends, values, valuesOf } from './kernel-test-helpers';

interface Case {
  a: number[];
  b: number[];
}

/** Operand shapes before transposition: a = [...batch, m, k], b = [...batch, k, n]. */
const CASES: Case[] = [
  { a: [5, 7], b: [7, 3] }, // 2-D
  { a: [1, 33, 17], b: [1, 17, 9] }, // batch 1
  { a: [4, 6, 20], b: [20, 11] }, // shared b (Dense on [batch, tokens, dim])
  { a: [2, 3, 6, 20], b: [20, 11] }, // shared b, two batch dims
  { a: [20, 13], b: [3, 13, 9] }, // shared a
  { a: [6, 16, 24], b: [6, 24, 16] }, // batched (fast loop)
  { a: [2, 3, 16, 24], b: [2, 3, 24, 16] }, // batched, rank 4 (attention)
  { a: [2, 1, 16, 24], b: [1, 3, 24, 16] }, // broadcast both ways
  { a: [3, 4, 5], b: [3, 5, 2] }, // batched but tiny (original kernel)
  { a: [2, 4, 5], b: [1, 5, 6] }, // b batch of size 1 with rank 3
];

/** Applies the transpose to the stored operand: [..., r, c] -> [..., c, r]. */
function storedShape(shape: number[], transpose: boolean): number[] {
  if (!transpose) return shape;
  const s = shape.slice();
  const r = s.length;
  [s[r - 2], s[r - 1]] = [s[r - 1]!, s[r - 2]!];
  return s;
}

/** Central differences `(f(x + eps e_i) - f(x - eps e_i)) / 2 eps` of `f` at `x`, one per element (float64). */
function centralDifferences(x: readonly number[], f: (x: number[]) => number, eps: number): number[] {
  return x.map((_, i) => {
    const p = x.slice();
    const q = x.slice();
    p[i]! += eps;
    q[i]! -= eps;
    return (f(p) - f(q)) / (2 * eps);
  });
}

/** Every combination of `transposeA` and `transposeB`. */
const TRANSPOSES = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
] as const;

describe('fast wasm BatchMatMul', () => {
  beforeAll(setUpBackends);

  for (const c of CASES) {
    for (const [ta, tb] of TRANSPOSES) {
      it(`matches a float64 loop and the cpu backend: a=[${c.a}] b=[${c.b}] tA=${ta} tB=${tb}`, async () => {
        const aShape = storedShape(c.a, ta);
        const bShape = storedShape(c.b, tb);
        const av = valuesOf(aShape, 1);
        const bv = valuesOf(bShape, 2);
        const ref = naiveMatMul(av, aShape, bv, bShape, ta, tb);
        const fn = () => tf.matMul(tf.tensor(av, aShape), tf.tensor(bv, bShape), ta, tb);
        const wasm = await runOn('wasm', fn);
        const cpu = await runOn('cpu', fn);
        expect(wasm.shapes[0]).toEqual(ref.shape);
        expect(cpu.shapes[0]).toEqual(ref.shape);
        expect(maxAbsDiff(wasm.values[0]!, ref.values)).toBeLessThan(1e-4);
        expect(maxAbsDiff(wasm.values[0]!, cpu.values[0]!)).toBeLessThan(1e-4);
      });
    }
  }

  it('runs fused matMul (bias + activation) like the cpu backend for every transpose and batch layout', async () => {
    const layouts: [number[], number[]][] = [
      [
        [6, 10],
        [10, 4],
      ],
      [
        [2, 6, 10],
        [10, 4],
      ],
      [
        [2, 6, 10],
        [2, 10, 4],
      ],
    ];
    for (const [sa, sb] of layouts) {
      for (const [ta, tb] of TRANSPOSES) {
        for (const activation of ['linear', 'relu', 'elu', 'sigmoid', 'leakyrelu'] as const) {
          const aShape = storedShape(sa, ta);
          const bShape = storedShape(sb, tb);
          const fn = () =>
            tf.fused.matMul({
              a: tf.tensor(valuesOf(aShape, 3), aShape),
              b: tf.tensor(valuesOf(bShape, 4), bShape),
              transposeA: ta,
              transposeB: tb,
              bias: tf.tensor(values(4, 5), [4]),
              activation,
            });
          const wasm = await runOn('wasm', fn);
          const cpu = await runOn('cpu', fn);
          expect(wasm.shapes[0]).toEqual(cpu.shapes[0]);
          expect(maxAbsDiff(wasm.values[0]!, cpu.values[0]!)).toBeLessThan(1e-4);
        }
      }
    }
  });

  it('gives each input a gradient of its own shape under broadcasting, on wasm and cpu', async () => {
    const shapes: [number[], number[]][] = [
      [
        [3, 4, 5],
        [5, 6],
      ],
      [
        [4, 5],
        [3, 5, 6],
      ],
      [
        [2, 1, 4, 5],
        [1, 3, 5, 6],
      ],
      [
        [3, 4, 5],
        [1, 5, 6],
      ],
    ];
    for (const [sa, sb] of shapes) {
      for (const [ta, tb] of TRANSPOSES) {
        const aShape = storedShape(sa, ta);
        const bShape = storedShape(sb, tb);
        const av = valuesOf(aShape, 6);
        const bv = valuesOf(bShape, 7);
        const n = naiveMatMul(av, aShape, bv, bShape, ta, tb).values.length;
        const w = values(n, 8);
        const fn = () => {
          const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
            tf.sum(tf.mul(tf.matMul(a, b, ta, tb), tf.tensor(w, naiveMatMul(av, aShape, bv, bShape, ta, tb).shape))),
          );
          return g([tf.tensor(av, aShape), tf.tensor(bv, bShape)]);
        };
        // Finite-difference reference in float64: d/da_i of sum(w * matMul(a, b)).
        const loss = (a: number[], b: number[]) => naiveMatMul(a, aShape, b, bShape, ta, tb).values.reduce((s, v, i) => s + v * w[i]!, 0);
        const eps = 1e-3;
        const fdA = centralDifferences(av, (a) => loss(a, bv), eps);
        const fdB = centralDifferences(bv, (b) => loss(av, b), eps);
        for (const backend of ['wasm', 'cpu']) {
          const r = await runOn(backend, fn);
          expect(r.shapes[0]).toEqual(aShape);
          expect(r.shapes[1]).toEqual(bShape);
          expect(maxAbsDiff(r.values[0]!, fdA)).toBeLessThan(1e-3);
          expect(maxAbsDiff(r.values[1]!, fdB)).toBeLessThan(1e-3);
        }
      }
    }
  });

  it('does not leak tensors in forward or backward passes', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor(values(2 * 16 * 24, 9), [2, 16, 24]);
    const b = tf.tensor(values(2 * 24 * 16, 10), [2, 24, 16]);
    const w = tf.tensor(values(24 * 16, 11), [24, 16]);
    const before = tf.memory().numTensors;
    const beforeBytes = tf.memory().numBytes;
    for (let i = 0; i < 3; i++) {
      tf.tidy(() => {
        tf.matMul(a, b, true, true);
        tf.matMul(a, w);
        tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y, true, true)))([b, a]);
        tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y)))([a, w]);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.memory().numBytes).toBe(beforeBytes);
    tf.dispose([a, b, w]);
  });

  it('names the shapes when inner dimensions differ', async () => {
    await tf.setBackend('wasm');
    expect(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 5]))).toThrow(/inner/);
  });
});
