import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { maxAbsDiff, runOn, setUpBackends, values, valuesOf } from './kernel-test-helpers';

/** Runs the Conv2DBackpropFilter kernel directly (tfjs-core does not export an op for it). */
function filterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: number[],
  pad: 'same' | 'valid',
  dataFormat: 'NHWC' | 'NCHW' = 'NHWC',
): tf.Tensor {
  return tf
    .engine()
    .runKernel(
      tf.Conv2DBackpropFilter,
      { x, dy },
      { strides: 1, pad, dataFormat, dimRoundingMode: undefined as unknown as string, filterShape },
    ) as tf.Tensor;
}

async function sameOnBoth(fn: () => tf.Tensor | tf.Tensor[], tol = 1e-5): Promise<{ values: number[][]; shapes: number[][] }> {
  const wasm = await runOn('wasm', fn);
  const cpu = await runOn('cpu', fn);
  expect(wasm.shapes).toEqual(cpu.shapes);
  wasm.values.forEach((v, i) => expect(maxAbsDiff(v, cpu.values[i]!)).toBeLessThanOrEqual(tol));
  return wasm;
}

/**
 * Expects `op` to give the same values on wasm as on the cpu backend for a float32 input of
 * `shape` (values of `seed`) and an int32 one (values of `seed + 1` times `scale`, rounded).
 */
async function sameForFloatAndInt(
  shape: number[],
  seed: number,
  scale: number,
  op: (x: tf.Tensor) => tf.Tensor | tf.Tensor[],
): Promise<void> {
  await sameOnBoth(() => op(tf.tensor(valuesOf(shape, seed), shape)), 0);
  await sameOnBoth(
    () =>
      op(
        tf.tensor(
          valuesOf(shape, seed + 1).map((v) => Math.round(v * scale)),
          shape,
          'int32',
        ),
      ),
    0,
  );
}

describe('wasm kernels added or replaced by registerFastKernels', () => {
  beforeAll(setUpBackends);

  it('Transpose equals the cpu backend for float32, int32 and bool, fast and delegated layouts', async () => {
    const layouts: [number[], number[]][] = [
      [
        [4, 6, 3, 5, 8],
        [2, 0, 3, 1, 4],
      ],
      [
        [300, 256],
        [1, 0],
      ],
      [
        [3, 5, 7],
        [2, 0, 1],
      ],
      [
        [2, 3, 4, 5, 6],
        [4, 3, 2, 1, 0],
      ],
    ];
    for (const [shape, perm] of layouts) {
      await sameForFloatAndInt(shape, 1, 100, (x) => tf.transpose(x, perm));
      await sameOnBoth(() => tf.cast(tf.transpose(tf.greater(tf.tensor(valuesOf(shape, 3), shape), 0), perm), 'int32'), 0);
    }
  });

  it('Sum over leading axes equals the cpu backend and a float64 loop; other sums still work', async () => {
    const x = values(64 * 3 * 50, 4);
    const r = await sameOnBoth(() => tf.sum(tf.tensor(x, [64, 3, 50]), [0, 1]), 1e-4);
    const ref = Array.from({ length: 50 }, (_, c) => {
      let s = 0;
      for (let row = 0; row < 192; row++) s += x[row * 50 + c]!;
      return s;
    });
    expect(maxAbsDiff(r.values[0]!, ref)).toBeLessThan(1e-4);
    // narrow rows (a convolution's bias gradient over 8 channels; 7 = one 4-lane strip and 3
    // single columns), over more than one block of 256 rows
    for (const cols of [8, 7]) {
      const rows = 600;
      const xn = values(rows * cols, 9);
      const narrow = await sameOnBoth(() => tf.sum(tf.tensor(xn, [10, 60, cols]), [0, 1]), 1e-4);
      const want = Array.from({ length: cols }, (_, c) => {
        let s = 0;
        for (let row = 0; row < rows; row++) s += xn[row * cols + c]!;
        return s;
      });
      expect(maxAbsDiff(narrow.values[0]!, want)).toBeLessThan(1e-4);
    }
    await sameOnBoth(() => tf.sum(tf.tensor(x, [64, 3, 50]), 0, true), 1e-4);
    await sameOnBoth(() => tf.sum(tf.tensor(x, [64, 3, 50]), [1, 2]), 1e-4);
    await sameOnBoth(() => tf.sum(tf.tensor(x, [64, 3, 50]), 1), 1e-4);
    await sameOnBoth(
      () =>
        tf.sum(
          tf.tensor(
            x.map((v) => Math.round(v * 50)),
            [64, 150],
            'int32',
          ),
          0,
        ),
      0,
    );
  });

  it('Identity and same-dtype Cast share data without copies, and free it only with the last tensor', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory();
    const a = tf.tensor(values(1000, 5), [10, 100]);
    const b = tf.clone(a);
    const c = tf.cast(a, 'float32');
    const d = tf.cast(a, 'int32');
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers + 2); // a (shared by b, c) and d
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual(values(1000, 5));
    b.dispose();
    expect(Array.from(c.dataSync())).toEqual(values(1000, 5));
    expect(Array.from(d.dataSync())).toEqual(values(1000, 5).map((v) => Math.trunc(v) + 0));
    tf.dispose([c, d]);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it('UnsortedSegmentSum equals a float64 loop, drops out-of-range ids, and makes gather trainable', async () => {
    const x = values(7 * 5, 6);
    const ids = [2, 0, 2, -1, 4, 9, 0];
    const r = await sameOnBoth(() => tf.unsortedSegmentSum(tf.tensor(x, [7, 5]), tf.tensor1d(ids, 'int32'), 6), 1e-6);
    const ref = new Array<number>(30).fill(0);
    ids.forEach((s, i) => {
      if (s >= 0 && s < 6) for (let j = 0; j < 5; j++) ref[s * 5 + j] = ref[s * 5 + j]! + x[i * 5 + j]!;
    });
    expect(maxAbsDiff(r.values[0]!, ref)).toBeLessThan(1e-6);
    // Gradient of an embedding lookup (gather) runs UnsortedSegmentSum.
    const table = values(10 * 4, 7);
    const grad = await sameOnBoth(
      () =>
        tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d([1, 3, 1, 9], 'int32')), tf.tensor(values(16, 8), [4, 4]))))(
          tf.tensor(table, [10, 4]),
        ),
      1e-6,
    );
    expect(grad.shapes[0]).toEqual([10, 4]);
    const w = values(16, 8);
    expect(grad.values[0]![4]).toBeCloseTo(w[0]! + w[8]!, 6); // row 1 gathered twice
    expect(grad.values[0]![0]).toBe(0);
  });

  it('Conv2DBackpropFilter equals the cpu backend for strides, paddings, dilation-free layouts and NCHW', async () => {
    const configs: { x: number[]; f: number[]; stride: number | [number, number]; pad: 'same' | 'valid' | number }[] = [
      { x: [2, 8, 8, 3], f: [4, 4, 3, 5], stride: 4, pad: 'valid' }, // patch embedding
      { x: [1, 7, 9, 2], f: [3, 3, 2, 4], stride: 1, pad: 'same' },
      { x: [2, 9, 7, 3], f: [3, 2, 3, 2], stride: [2, 1], pad: 'same' },
      // Numeric padding only with square filters and strides: tfjs 4.22 computes the output
      // width of numeric padding from the filter height and row stride, and tfjs-wasm's forward
      // Conv2D then writes past its output (a tfjs bug, not this kernel's).
      { x: [2, 9, 7, 3], f: [3, 3, 3, 2], stride: 2, pad: 1 },
      // 4 or more input channels: the row-major im2col path
      { x: [2, 6, 6, 5], f: [3, 3, 5, 4], stride: 1, pad: 'same' }, // as a swapped convolution
      { x: [2, 6, 6, 4], f: [5, 5, 4, 3], stride: 1, pad: 'valid' }, // as a swapped convolution, padding 0
      { x: [1, 7, 9, 4], f: [3, 3, 4, 2], stride: 1, pad: 'same' }, // non-square: gathered
      { x: [1, 9, 7, 8], f: [3, 2, 8, 3], stride: [2, 1], pad: 'valid' },
    ];
    for (const c of configs) {
      const xv = valuesOf(c.x, 9);
      const fv = valuesOf(c.f, 10);
      await sameOnBoth(
        () =>
          tf.grad((f: tf.Tensor) =>
            tf.sum(tf.square(tf.conv2d(tf.tensor4d(xv, c.x as [number, number, number, number]), f as tf.Tensor4D, c.stride, c.pad))),
          )(tf.tensor4d(fv, c.f as [number, number, number, number])),
        1e-3,
      );
    }
    // NCHW, straight through the kernel (the cpu backend's conv2d op only runs NHWC).
    const x = tf.tidy(() => tf.tensor4d(values(2 * 3 * 6 * 6, 11), [2, 3, 6, 6]));
    const dy = tf.tidy(() => tf.tensor4d(values(2 * 4 * 6 * 6, 12), [2, 4, 6, 6]));
    const viaNhwc = await runOn('wasm', () =>
      filterGrad(tf.transpose(x, [0, 2, 3, 1]), tf.transpose(dy, [0, 2, 3, 1]), [3, 3, 3, 4], 'same'),
    );
    const viaNchw = await runOn('wasm', () => filterGrad(x, dy, [3, 3, 3, 4], 'same', 'NCHW'));
    expect(maxAbsDiff(viaNchw.values[0]!, viaNhwc.values[0]!)).toBeLessThan(1e-4);
    tf.dispose([x, dy]);
  });

  it('Conv2DBackpropInput equals the cpu backend on the flipped-filter fast path and on the fallback', async () => {
    const configs: { x: number[]; f: number[]; stride: number | [number, number]; pad: 'same' | 'valid' | number }[] = [
      { x: [2, 8, 8, 3], f: [3, 3, 3, 5], stride: 1, pad: 'same' }, // fast path, padding 1
      { x: [1, 7, 9, 2], f: [5, 5, 2, 4], stride: 1, pad: 'same' }, // fast path, padding 2
      { x: [2, 6, 6, 1], f: [3, 3, 1, 4], stride: 1, pad: 1 }, // fast path, numeric padding
      { x: [2, 6, 7, 3], f: [3, 3, 3, 2], stride: 1, pad: 'valid' }, // fast path, padding 0 -> full
      { x: [2, 8, 8, 3], f: [2, 2, 3, 4], stride: 1, pad: 'same' }, // even filter: uneven padding, fallback
      { x: [2, 9, 7, 3], f: [3, 3, 3, 2], stride: 2, pad: 'same' }, // stride 2: fallback
    ];
    for (const c of configs) {
      const xv = valuesOf(c.x, 21);
      const fv = valuesOf(c.f, 22);
      const f = (): tf.Tensor4D => tf.tensor4d(fv, c.f as [number, number, number, number]);
      await sameOnBoth(
        () =>
          tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.conv2d(x as tf.Tensor4D, f(), c.stride, c.pad))))(
            tf.tensor4d(xv, c.x as [number, number, number, number]),
          ),
        1e-3,
      );
    }
  });

  it('MaxPoolGrad equals the cpu backend for 2x2 windows with ties, odd sides and overlapping windows', async () => {
    const cases: { x: number[]; size: number; stride: number; pad: 'same' | 'valid' }[] = [
      { x: [2, 8, 8, 3], size: 2, stride: 2, pad: 'valid' },
      { x: [1, 9, 7, 2], size: 2, stride: 2, pad: 'valid' }, // last row / column not pooled
      { x: [1, 9, 9, 2], size: 3, stride: 3, pad: 'valid' },
      // channels 4 at a time in the SIMD kernel, with a remainder
      { x: [2, 8, 6, 6], size: 2, stride: 2, pad: 'valid' },
      { x: [1, 7, 9, 8], size: 3, stride: 3, pad: 'valid' },
      // overlapping: tfjs-wasm's own kernel, which breaks ties differently from the cpu backend
      { x: [1, 8, 8, 2], size: 3, stride: 2, pad: 'same' },
    ];
    for (const c of cases) {
      // values from {-1, 0, 1}: most windows hold ties, which must go to the first maximum
      const raw = valuesOf(c.x, 23);
      const xv = c.size === c.stride ? raw.map((v) => Math.round(v)) : raw;
      const xs = c.x as [number, number, number, number];
      const r = await sameOnBoth(() => {
        const x = tf.tensor4d(xv, xs);
        const y = tf.maxPool(x, c.size, c.stride, c.pad);
        const dy = tf.tensor(values(y.size, 24), y.shape);
        return tf
          .engine()
          .runKernel(tf.MaxPoolGrad, { dy, input: x, output: y }, { filterSize: c.size, strides: c.stride, pad: c.pad }) as tf.Tensor;
      }, 0);
      expect(r.shapes[0]).toEqual(c.x);
    }
    // and through tf.grad of a ReLU -> max pool stem
    const xv = values(2 * 8 * 8 * 3, 25);
    await sameOnBoth(
      () =>
        tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.maxPool(tf.relu(x) as tf.Tensor4D, 2, 2, 'valid'))))(tf.tensor4d(xv, [2, 8, 8, 3])),
      1e-6,
    );
  });

  it('MaxPool equals the cpu backend for non-overlapping windows (ties, NaN, -inf, channel remainders) and delegates the rest', async () => {
    const cases: { x: [number, number, number, number]; size: number; stride: number; pad: 'same' | 'valid' }[] = [
      { x: [2, 8, 8, 8], size: 2, stride: 2, pad: 'valid' },
      { x: [1, 9, 7, 6], size: 2, stride: 2, pad: 'valid' }, // last row / column not pooled, 4 + 2 channels
      { x: [1, 9, 9, 3], size: 3, stride: 3, pad: 'valid' },
      { x: [1, 8, 8, 2], size: 3, stride: 2, pad: 'same' }, // overlapping: tfjs-wasm's own kernel
    ];
    for (const c of cases) {
      const n = c.x.reduce((a, b) => a * b, 1);
      const xv = values(n, 31).map((v) => Math.round(v * 2));
      if (c.size === c.stride) {
        // a NaN beside larger values is skipped; a window of -inf only gives -inf
        xv[0] = Number.NaN;
        xv[1] = Number.NaN;
        for (let i = n - 4 * c.x[3]; i < n; i++) xv[i] = -Infinity;
      }
      const wasm = await runOn('wasm', () => tf.maxPool(tf.tensor4d(xv, c.x), c.size, c.stride, c.pad));
      const cpu = await runOn('cpu', () => tf.maxPool(tf.tensor4d(xv, c.x), c.size, c.stride, c.pad));
      expect(wasm.shapes).toEqual(cpu.shapes);
      // ours: the same values, signed zeros included; tfjs-wasm's own (overlapping) may swap -0 and 0
      if (c.size === c.stride) expect(wasm.values[0], JSON.stringify(c)).toEqual(cpu.values[0]);
      else expect(maxAbsDiff(wasm.values[0]!, cpu.values[0]!)).toBe(0);
    }
  });

  it('Tile and Unpack equal the cpu backend for float32 and int32, every axis and bool fallbacks', async () => {
    const tiles: [number[], number[]][] = [
      [
        [1, 16, 8],
        [6, 1, 1],
      ],
      [
        [2, 3, 4],
        [2, 3, 2],
      ],
      [[5], [3]],
      [
        [2, 1, 3, 2],
        [1, 4, 1, 3],
      ],
    ];
    for (const [shape, reps] of tiles) {
      await sameForFloatAndInt(shape, 41, 50, (x) => tf.tile(x, reps));
      await sameOnBoth(() => tf.cast(tf.tile(tf.greater(tf.tensor(valuesOf(shape, 43), shape), 0), reps), 'int32'), 0);
    }
    for (const axis of [0, 1, 2, -1]) await sameForFloatAndInt([3, 4, 5], 44, 9, (x) => tf.unstack(x, axis));
  });

  it('Einsum equals the cpu backend and float64 loops, and its gradient equals finite differences', async () => {
    const a = values(2 * 3 * 4, 13);
    const b = values(2 * 4 * 5, 14);
    const r = await sameOnBoth(() => tf.einsum('bij,bjk->bik', tf.tensor(a, [2, 3, 4]), tf.tensor(b, [2, 4, 5])), 1e-5);
    const ref: number[] = [];
    for (let bb = 0; bb < 2; bb++)
      for (let i = 0; i < 3; i++)
        for (let k = 0; k < 5; k++) {
          let s = 0;
          for (let j = 0; j < 4; j++) s += a[bb * 12 + i * 4 + j]! * b[bb * 20 + j * 5 + k]!;
          ref.push(s);
        }
    expect(maxAbsDiff(r.values[0]!, ref)).toBeLessThan(1e-5);
    for (const [eq, sa, sb] of [
      ['ij,jk->ik', [3, 4], [4, 5]],
      ['ij,kj->ki', [3, 4], [5, 4]],
      ['bhid,bhjd->bhij', [2, 2, 3, 4], [2, 2, 5, 4]],
      ['ij,ij->i', [3, 4], [3, 4]],
      ['ij,k->ijk', [2, 3], [4]],
      ['ij->ji', [3, 4], null],
      ['ijk->ik', [2, 3, 4], null],
    ] as [string, number[], number[] | null][]) {
      const av = valuesOf(sa, 15);
      const bv = sb ? valuesOf(sb, 16) : null;
      const ops = () => (bv && sb ? [tf.tensor(av, sa), tf.tensor(bv, sb)] : [tf.tensor(av, sa)]);
      await sameOnBoth(() => tf.einsum(eq, ...ops()), 1e-5);
      // Gradient of sum(w * einsum) against central differences, float64 reference via the cpu forward.
      const grads = await sameOnBoth(() => {
        const ts = ops();
        const out = tf.einsum(eq, ...ts);
        const w = tf.tensor(values(out.size, 17), out.shape);
        return tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(tf.einsum(eq, ...xs), w)))(ts);
      }, 1e-4);
      const lossAt = async (inputs: number[][]) =>
        (
          await runOn('cpu', () => {
            const ts = inputs.map((v, i) => tf.tensor(v, i === 0 ? sa : (sb as number[])));
            const out = tf.einsum(eq, ...ts);
            return tf.sum(tf.mul(out, tf.tensor(values(out.size, 17), out.shape)));
          })
        ).values[0]![0]!;
      const base = bv ? [av, bv] : [av];
      for (let inp = 0; inp < base.length; inp++) {
        for (const idx of [0, base[inp]!.length - 1]) {
          const plus = base.map((v) => v.slice());
          const minus = base.map((v) => v.slice());
          plus[inp]![idx]! += 0.25;
          minus[inp]![idx]! -= 0.25;
          // The loss is linear in each input, so a central difference is exact up to rounding.
          const fd = ((await lossAt(plus)) - (await lossAt(minus))) / 0.5;
          expect(grads.values[inp]![idx]).toBeCloseTo(fd, 3);
        }
      }
    }
  });

  it('differentiates tf.where with a Greater condition (zero gradient through the comparison)', async () => {
    const x = [-2, -0.5, 0.25, 3];
    const r = await sameOnBoth(() =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.where(tf.greater(t, 0), tf.square(t), tf.mul(t, 0.1))))(tf.tensor1d(x)),
    );
    expect(r.values[0]).toEqual(x.map((v) => (v > 0 ? 2 * v : 0.1)).map((v) => Math.fround(v)));
    for (const cmp of [tf.less, tf.lessEqual, tf.equal, tf.notEqual] as ((a: tf.Tensor, b: tf.Tensor | number) => tf.Tensor)[]) {
      await sameOnBoth(() => tf.grad((t: tf.Tensor) => tf.sum(tf.where(cmp(t, 0.25), t, tf.neg(t))))(tf.tensor1d(x)));
    }
  });

  it('does not leak tensors in the added kernels', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory();
    tf.tidy(() => {
      tf.einsum('bij,bjk->bik', tf.ones([2, 3, 4]), tf.ones([2, 4, 5]));
      tf.unsortedSegmentSum(tf.ones([4, 3]), tf.tensor1d([0, 1, 1, 0], 'int32'), 2);
      filterGrad(tf.ones([1, 4, 4, 2]), tf.ones([1, 4, 4, 3]), [3, 3, 2, 3], 'same');
      tf.transpose(tf.ones([2, 3, 4, 5, 6]), [4, 2, 0, 3, 1]);
      tf.sum(tf.ones([8, 9]), 0);
    });
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });
});
