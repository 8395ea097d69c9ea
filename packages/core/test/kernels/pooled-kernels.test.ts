// The kernels that run on the GEMM pool's threads besides the matrix products: elementwise SIMD
// kernels (GELU and its slope, Exp, Erf, Multiply, Add, bias Add, Step), convolutions through
// im2col and the SIMD GEMM (forward, input and filter gradients), and products whose transposed
// operands are packed in place and cut into blocks of rows and columns. Each against tfjs' stock
// cpu kernels, and bit-identical on 1 and 2 threads, in both kernel builds. Its own process
// (vitest isolates files): the wasm backend's thread count is fixed once it starts.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, runtimePlatform } from '../../src/index';
import { fusedGelu, registerFastKernels } from '../../src/kernels/index';
import { gemmPoolFor, planGemmChunks, startGemmPool, stopGemmPool } from '../../src/kernels/wasm/gemm-pool';
import { setSimdGemmTile, type SimdGemmTile } from '../../src/kernels/wasm/gemm-tile';
import { POOL_JOB, POOL_JOB_KIND, type ElementwiseKernel, type PoolKernels } from '../../src/kernels/wasm/pool-jobs';
import { relaxedSimdSupported, setSimdKernelBuild, simdKernelsFor, type SimdKernelBuild } from '../../src/kernels/wasm/simd-module';
import { ELEMENTWISE_OP } from '../../src/kernels/wasm/wasm-elementwise';
import { asWasmBackend, memoryOffsetOf } from '../../src/kernels/wasm/wasm-interop';
import { maxAbsDiff, naiveMatMul, runOn, slowFirstCall, values, valuesOf } from './kernel-test-helpers';

const BUILDS: SimdKernelBuild[] = relaxedSimdSupported() ? ['plain', 'relaxed'] : ['plain'];

function wasmBackend(): ReturnType<typeof asWasmBackend> {
  return asWasmBackend(tf.engine().findBackend('wasm'));
}

/** Starts a pool of one worker (2 threads) where none runs for the current kernel build. */
function ensurePool(): void {
  const start = runtimePlatform().startGemmWorker;
  if (!start) throw new Error('this Node has no worker threads');
  if (!gemmPoolFor(wasmBackend())) startGemmPool(tf.engine().findBackend('wasm'), 1, start);
}

/** `fn` on wasm with the pool (2 threads) and without (the calling thread alone). */
async function pooledAndSingle(fn: () => tf.Tensor | tf.Tensor[]): Promise<[number[][], number[][]]> {
  ensurePool();
  expect(gemmPoolFor(wasmBackend())?.threads).toBe(2);
  const pooled = await runOn('wasm', fn);
  stopGemmPool(tf.engine().findBackend('wasm'));
  try {
    const single = await runOn('wasm', fn);
    return [pooled.values, single.values];
  } finally {
    ensurePool();
  }
}

/** Same bits (NaN included) in two runs. */
function expectSameBits(a: number[][], b: number[][], what: string): void {
  expect(a.length, what).toBe(b.length);
  a.forEach((v, i) => {
    const x = Buffer.from(Float32Array.from(v).buffer);
    const y = Buffer.from(Float32Array.from(b[i]!).buffer);
    expect(x.equals(y), `${what}: output ${i} differs between 1 and 2 threads`).toBe(true);
  });
}

/** Largest difference relative to the reference's largest magnitude (at least 1); NaN where NaN sits must match. */
function relativeError(got: readonly number[], want: readonly number[]): number {
  const nanGot = got.map((v) => Number.isNaN(v));
  const nanWant = want.map((v) => Number.isNaN(v));
  expect(nanGot).toEqual(nanWant);
  const g = got.map((v) => (Number.isNaN(v) ? 0 : v));
  const w = want.map((v) => (Number.isNaN(v) ? 0 : v));
  const scale = Math.max(1, ...w.map((v) => Math.abs(v)));
  return maxAbsDiff(g, w) / scale;
}

/** Runs `fn` on 1 and 2 threads (bit-identical) and against the cpu backend's stock kernels. */
async function checkPooled(what: string, fn: () => tf.Tensor | tf.Tensor[], tolerance: number): Promise<void> {
  const [pooled, single] = await pooledAndSingle(fn);
  expectSameBits(pooled, single, what);
  const cpu = await runOn('cpu', fn);
  pooled.forEach((v, i) => expect(relativeError(v, cpu.values[i]!), `${what}: output ${i} vs cpu`).toBeLessThan(tolerance));
}

describe('kernels on the GEMM pool (wasmThreads 2)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'cpu' });
    const info = await initBackend({ backend: 'wasm', wasmThreads: 2 });
    expect(info.threads).toBe(2);
    registerFastKernels('cpu');
  });

  afterEach(() => {
    setSimdKernelBuild('auto');
    setSimdGemmTile('auto');
    ensurePool();
  });

  it('cuts weight gradients into blocks of rows and columns and forward products into rows', () => {
    // [d_in, d_out] with a long k: both ways, columns in multiples of 16
    const dw = planGemmChunks(1, 128, 384, 2, 4);
    expect(dw.colBlocks).toBeGreaterThan(1);
    expect(dw.rowBlocks).toBeGreaterThan(1);
    expect(dw.chunkCols % 16).toBe(0);
    expect(dw.rowBlocks * dw.chunkRows).toBeGreaterThanOrEqual(128);
    expect(dw.colBlocks * dw.chunkCols).toBeGreaterThanOrEqual(384);
    expect(planGemmChunks(1, 4096, 384, 2, 4)).toMatchObject({ colBlocks: 1, rowBlocks: 8, chunkRows: 512 });
    // a batch of many matrices: whole matrices
    expect(planGemmChunks(256, 64, 32, 2, 6)).toMatchObject({ colBlocks: 1, rowBlocks: 1 });
    // rows in multiples of the tile's, at least 4 tiles
    expect(planGemmChunks(1, 50, 40, 8, 6).chunkRows % 6).toBe(0);
  });

  it('elementwise kernels match the cpu backend and give the same bits on 1 and 2 threads, in both builds', async () => {
    // 70001 elements: on the pool (over 65536), with a remainder of the 4-lane loop
    const n = 70001;
    const xv = values(n, 3).map((v) => v * 6);
    xv[5] = Number.NaN;
    const yv = values(n, 4);
    const cases: [string, () => tf.Tensor | tf.Tensor[], number][] = [
      [
        'GELU and its gradient',
        () => {
          const x = tf.tensor1d(xv.map((v) => (Number.isNaN(v) ? 0 : v)));
          const w = tf.tensor1d(yv);
          return [fusedGelu(x), tf.grad((t: tf.Tensor) => tf.sum(tf.mul(fusedGelu(t), w)))(x)];
        },
        2e-6,
      ],
      ['Exp', () => tf.exp(tf.tensor1d(xv.map((v) => v * 2))), 2e-6],
      ['Erf', () => tf.erf(tf.tensor1d(xv)), 1e-6],
      ['Multiply', () => tf.mul(tf.tensor2d(xv.slice(0, 70000), [700, 100]), tf.tensor2d(yv.slice(0, 70000), [700, 100])), 0],
      ['Add', () => tf.add(tf.tensor1d(xv), tf.tensor1d(yv)), 0],
      ['bias Add', () => tf.add(tf.tensor3d(xv.slice(0, 69641), [13, 487, 11]), tf.tensor1d(yv.slice(0, 11))), 0],
      ['bias Add, vector first', () => tf.add(tf.tensor2d(yv.slice(0, 7), [1, 7]), tf.tensor2d(xv.slice(0, 70000), [10000, 7])), 0],
      ['small bias Add (one thread)', () => tf.add(tf.tensor2d(xv.slice(0, 8192), [512, 16]), tf.tensor1d(yv.slice(0, 16))), 0],
      ['Step', () => tf.step(tf.tensor1d(xv), 0.3), 0],
      [
        'ReLU gradient',
        () => {
          const x = tf.tensor1d(xv.map((v) => (Number.isNaN(v) ? 0 : v)));
          const w = tf.tensor1d(yv);
          return tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), w)))(x);
        },
        0,
      ],
    ];
    for (const build of BUILDS) {
      setSimdKernelBuild(build);
      for (const [what, fn, tolerance] of cases) await checkPooled(`${build} ${what}`, fn, tolerance === 0 ? 1e-7 : tolerance);
    }
  });

  it('Conv2D and its gradients match the cpu backend and give the same bits on 1 and 2 threads (tiles, builds)', async () => {
    const configs: {
      x: [number, number, number, number];
      f: [number, number, number, number];
      stride: number | [number, number];
      pad: 'same' | 'valid' | number;
      dilation?: number;
    }[] = [
      // one channel (patches gathered transposed), several blocks of pixels
      { x: [4, 40, 40, 1], f: [3, 3, 1, 8], stride: 1, pad: 'same' },
      // two channels, stride 2, 12 outputs (8 on SIMD tiles, 4 element by element)
      { x: [3, 17, 15, 2], f: [3, 3, 2, 12], stride: 2, pad: 'valid' },
      // patches as rows, several blocks of pixels
      { x: [2, 32, 32, 8], f: [3, 3, 8, 16], stride: 1, pad: 'same' },
      { x: [2, 12, 14, 5], f: [5, 5, 5, 9], stride: [1, 2], pad: 'same' },
      { x: [2, 11, 11, 3], f: [3, 3, 3, 24], stride: 1, pad: 1 },
    ];
    const tiles: SimdGemmTile[] = ['4x8', '6x16'];
    for (const build of BUILDS) {
      setSimdKernelBuild(build);
      for (const tile of tiles) {
        setSimdGemmTile(tile);
        for (const c of configs) {
          const xv = valuesOf(c.x, 7);
          const fv = valuesOf(c.f, 8);
          const what = `${build} ${tile} conv [${c.x}] * [${c.f}] stride ${String(c.stride)} pad ${c.pad}`;
          await checkPooled(
            what,
            () => {
              const x = tf.tensor4d(xv, c.x);
              const f = tf.tensor4d(fv, c.f);
              const y = tf.conv2d(x, f, c.stride, c.pad);
              const w = tf.tensor(values(y.size, 9), y.shape);
              const [dx, df] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
                tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), w)),
              )([x, f]);
              return [y, dx as tf.Tensor, df as tf.Tensor];
            },
            2e-6,
          );
        }
      }
    }
    // dilation (forward only: tfjs has no gradient for dilated conv2d)
    await checkPooled(
      'dilated conv',
      () =>
        tf.conv2d(
          tf.tensor4d(values(2 * 19 * 19 * 3, 1), [2, 19, 19, 3]),
          tf.tensor4d(values(3 * 3 * 3 * 8, 2), [3, 3, 3, 8]),
          1,
          'same',
          'NHWC',
          2,
        ),
      2e-6,
    );
  });

  it('transposed products cut into blocks of rows and columns match float64, same bits on 1 and 2 threads', async () => {
    const cases: [number[], number[], boolean, boolean][] = [
      [[2000, 64], [2000, 200], true, false], // a weight gradient: blocks of columns, A read in place
      [[64, 1100], [64, 40], true, false], // A's rows 4400 bytes apart: packed
      [[300, 90], [130, 90], false, true], // B transposed: packed from where it lies
      [[2, 40, 1030], [2, 40, 24], true, false],
      [[70, 1030], [50, 70], true, true],
      [[3, 130, 64], [64, 200], false, false],
    ];
    for (const build of BUILDS) {
      setSimdKernelBuild(build);
      for (const tile of ['4x8', '6x16'] as SimdGemmTile[]) {
        setSimdGemmTile(tile);
        for (const [i, [aShape, bShape, ta, tb]] of cases.entries()) {
          const av = valuesOf(aShape, i);
          const bv = valuesOf(bShape, i + 20);
          const n = (tb ? bShape[bShape.length - 2] : bShape[bShape.length - 1]) as number;
          const biasV = values(n, i + 40);
          const what = `${build} ${tile} [${aShape}] x [${bShape}] ${ta} ${tb}`;
          const [pooled, single] = await pooledAndSingle(() => {
            const a = tf.tensor(av, aShape);
            const b = tf.tensor(bv, bShape);
            return [tf.matMul(a, b, ta, tb), tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias: tf.tensor1d(biasV) })];
          });
          expectSameBits(pooled, single, what);
          const ref = naiveMatMul(av, aShape, bv, bShape, ta, tb);
          const k = (ta ? aShape[aShape.length - 2] : aShape[aShape.length - 1]) as number;
          expect(maxAbsDiff(pooled[0]!, ref.values), what).toBeLessThan(2e-6 * k);
          const withBias = ref.values.map((v, j) => v + (biasV[j % n] as number));
          expect(maxAbsDiff(pooled[1]!, withBias), `${what} + bias`).toBeLessThan(2e-6 * k);
        }
      }
    }
  });

  it("lets its worker run elementwise and convolution chunks (the workers' own code path)", () => {
    ensurePool();
    const backend = wasmBackend();
    const pool = gemmPoolFor(backend);
    const simd = simdKernelsFor(backend);
    if (!pool || !simd) throw new Error('no pool');
    const n = 1 << 17;
    const x = tf.tensor1d(values(n, 5).map((v) => v * 4));
    const y = tf.zeros([n]);
    const slope = tf.zeros([n]);
    // the calling thread sleeps in its first chunk until the worker has taken one (or 10 s pass)
    const before = pool.workerChunks;
    const slowElementwise: ElementwiseKernel = slowFirstCall(pool, simd.elementwise);
    const unused = (): void => undefined;
    const kernels: PoolKernels = [unused, unused, slowElementwise, unused];
    pool.runJob(kernels, (slots) => {
      slots[POOL_JOB.kind] = POOL_JOB_KIND.elementwise;
      slots[POOL_JOB.chunks] = 16;
      slots[POOL_JOB.op] = ELEMENTWISE_OP.geluWithSlope;
      slots[POOL_JOB.x] = memoryOffsetOf(backend, x);
      slots[POOL_JOB.y] = memoryOffsetOf(backend, y);
      slots[POOL_JOB.z] = memoryOffsetOf(backend, slope);
      slots[POOL_JOB.size] = n;
      slots[POOL_JOB.chunkSize] = n / 16;
    });
    expect(pool.workerChunks).toBeGreaterThan(before);
    const [want] = tf.engine().runKernel('AitGeluWithSlope', { x }, {}) as tf.Tensor[];
    expect(Buffer.from((y.dataSync() as Float32Array).buffer).equals(Buffer.from((want!.dataSync() as Float32Array).buffer))).toBe(true);
    tf.dispose([x, y, slope, want!]);
    // a convolution large enough for several chunks takes the worker's im2col path too
    const afterElementwise = pool.workerChunks;
    const xs = tf.tensor4d(values(8 * 48 * 48, 6), [8, 48, 48, 1]);
    const f = tf.tensor4d(values(72, 7), [3, 3, 1, 8]);
    let pooled: Float32Array | null = null;
    // on a loaded machine the worker may not be scheduled for a while (the caller then runs every
    // chunk itself, by design): keep convolving until it joins, for up to 10 s
    const convDeadline = Date.now() + 10_000;
    while (pooled === null || (pool.workerChunks === afterElementwise && Date.now() < convDeadline)) {
      const out = tf.conv2d(xs, f, 1, 'same');
      pooled = out.dataSync() as Float32Array;
      out.dispose();
    }
    expect(pool.workerChunks).toBeGreaterThan(afterElementwise);
    stopGemmPool(tf.engine().findBackend('wasm'));
    const single = tf.conv2d(xs, f, 1, 'same');
    expect(Buffer.from(pooled!.buffer).equals(Buffer.from((single.dataSync() as Float32Array).buffer))).toBe(true);
    tf.dispose([xs, f, single]);
  });
});
