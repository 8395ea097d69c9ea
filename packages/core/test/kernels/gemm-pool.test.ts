// The GEMM pool: @ait/core's SIMD GEMM on worker threads beside the calling thread, on tfjs-wasm's
// threaded build (wasmThreads 2). Its own process (vitest isolates files), as the thread count of
// the wasm backend is fixed once it starts.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, runtimePlatform } from '../../src/index';
import { GemmPool, gemmPoolFor, startGemmPool, stopGemmPool, type GemmJob } from '../../src/kernels/wasm/gemm-pool';
import { asWasmBackend, memoryOffsetOf, type WasmBackendInternals } from '../../src/kernels/wasm/wasm-interop';
import { sharedKernelModuleFor, simdKernelBuild, simdKernelsFor } from '../../src/kernels/wasm/simd-module';
import type { GemmKernel } from '../../src/kernels/wasm/pool-jobs';
import { setSimdGemmTile, simdGemmTile, type SimdGemmTile } from '../../src/kernels/wasm/gemm-tile';
import { maxAbsDiff, naiveMatMul, slowFirstCall, valuesOf } from './kernel-test-helpers';

/** The job of a plain row-major product `c [m, n] = a [m, k] b [k, n]`, no bias, no batch. */
function plainGemmJob(backend: WasmBackendInternals, a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, m: number, k: number, n: number): GemmJob {
  return {
    a: memoryOffsetOf(backend, a),
    sAb: 0,
    sAi: k * 4,
    sAk: 4,
    b: memoryOffsetOf(backend, b),
    sBb: 0,
    sBk: n * 4,
    sBj: 4,
    c: memoryOffsetOf(backend, c),
    batch: 1,
    m,
    k,
    n,
    bias: 0,
    hasBias: 0,
    kc: 256,
    pack: 0,
    packStride: 0,
    packing: 0,
  };
}

/** Products large enough for the pool (over 2^19 multiply-adds), with remainders of rows, columns and k. */
const CASES: [number[], number[], boolean, boolean][] = [
  [[301, 257], [257, 131], false, false],
  [[257, 301], [257, 131], true, false],
  [[301, 257], [131, 257], false, true],
  [[4, 70, 96], [4, 96, 72], false, false],
  [[3, 130, 64], [64, 200], false, false],
  [[2, 64, 33], [2, 64, 129], true, false],
];

function values(n: number, seed: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.731 + seed));
}

function products(): Float32Array[] {
  return CASES.flatMap(([aShape, bShape, ta, tb], i) => {
    const a = tf.tensor(valuesOf(aShape, i), aShape);
    const b = tf.tensor(valuesOf(bShape, i + 50), bShape);
    const n = (tb ? bShape[bShape.length - 2] : bShape[bShape.length - 1]) as number;
    const bias = tf.tensor1d(values(n, i + 90));
    const plain = tf.matMul(a, b, ta, tb);
    const fused = tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation: 'relu' });
    const out = [plain.dataSync() as Float32Array, fused.dataSync() as Float32Array];
    tf.dispose([a, b, bias, plain, fused]);
    return out;
  });
}

describe('the GEMM pool (wasmThreads 2)', () => {
  beforeAll(async () => {
    const info = await initBackend({ backend: 'wasm', wasmThreads: 2 });
    expect(info.threads).toBe(2);
    expect(info.summary).toMatch(/WebAssembly backend ready \(SIMD, 2 thread\(s\)\)/);
  });

  afterAll(() => stopGemmPool(tf.backend()));

  it('lets its worker take chunks while the calling thread is busy, with the same result', () => {
    const backend = asWasmBackend(tf.backend());
    const pool = gemmPoolFor(backend);
    const simd = simdKernelsFor(backend);
    expect(pool?.threads).toBe(2);
    if (!pool || !simd) return;
    const [m, k, n] = [256, 96, 72];
    const a = tf.tensor2d(values(m * k, 1), [m, k]);
    const b = tf.tensor2d(values(k * n, 2), [k, n]);
    const c = tf.zeros([m, n]);
    const before = pool.workerChunks;
    // the calling thread sleeps in its first chunk until the worker has taken one
    const tile = simdGemmTile();
    const slowCaller: GemmKernel = slowFirstCall(pool, tile === '6x16' ? simd.gemmWide : simd.gemm);
    pool.run(slowCaller, plainGemmJob(backend, a, b, c, m, k, n), tile);
    expect(pool.workerChunks).toBeGreaterThan(before);
    stopGemmPool(tf.backend());
    const single = tf.matMul(a, b);
    expect(Buffer.from((c.dataSync() as Float32Array).buffer).equals(Buffer.from((single.dataSync() as Float32Array).buffer))).toBe(true);
    tf.dispose([a, b, c, single]);
    const start = runtimePlatform().startGemmWorker;
    if (start) startGemmPool(tf.backend(), 1, start);
  });

  it.each<SimdGemmTile>(['4x8', '6x16'])(
    'runs large products on the pool bit-identical to one thread and right against float64 (%s tiles)',
    (tile) => {
      setSimdGemmTile(tile);
      try {
        const pool = gemmPoolFor(asWasmBackend(tf.backend()));
        expect(pool?.threads).toBe(2);
        const tensors = tf.memory().numTensors;
        const pooled = products();
        expect(tf.memory().numTensors).toBe(tensors);

        stopGemmPool(tf.backend());
        expect(gemmPoolFor(asWasmBackend(tf.backend()))).toBeUndefined();
        const single = products();
        expect(pooled.length).toBe(single.length);
        pooled.forEach((p, i) => expect(Buffer.from(p.buffer).equals(Buffer.from(single[i]!.buffer)), `product ${i}`).toBe(true));

        CASES.forEach(([aShape, bShape, ta, tb], i) => {
          const ref = naiveMatMul(Array.from(valuesOf(aShape, i)), aShape, Array.from(valuesOf(bShape, i + 50)), bShape, ta, tb);
          expect(maxAbsDiff(Array.from(pooled[2 * i]!), ref.values), `${aShape} x ${bShape}`).toBeLessThan(1e-3);
        });
      } finally {
        setSimdGemmTile('auto');
        const start = runtimePlatform().startGemmWorker;
        if (start && !gemmPoolFor(asWasmBackend(tf.backend()))) startGemmPool(tf.backend(), 1, start);
      }
    },
  );

  it('finishes a job on the calling thread when a worker never wakes (its core busy with another process)', () => {
    const backend = asWasmBackend(tf.backend());
    const shared = sharedKernelModuleFor(backend);
    const simd = simdKernelsFor(backend);
    if (!shared || !simd) throw new Error('no shared heap');
    // a worker that is never scheduled: it never runs its source
    const pool = new GemmPool(simdKernelBuild(), shared.memory, shared.module, 1, () => ({ terminate: () => undefined }));
    const [m, k, n] = [256, 96, 72];
    const a = tf.tensor2d(values(m * k, 3), [m, k]);
    const b = tf.tensor2d(values(k * n, 4), [k, n]);
    const c = tf.zeros([m, n]);
    for (let rep = 0; rep < 3; rep++) {
      pool.run(simd.gemm, plainGemmJob(backend, a, b, c, m, k, n));
    }
    expect(pool.workerChunks).toBe(0);
    const want = tf.matMul(a, b);
    expect(Buffer.from((c.dataSync() as Float32Array).buffer).equals(Buffer.from((want.dataSync() as Float32Array).buffer))).toBe(true);
    pool.dispose();
    tf.dispose([a, b, c, want]);
  });

  it('lets its workers sleep between products (no busy waiting)', async () => {
    products();
    const cpu = process.cpuUsage();
    const wall = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const used = process.cpuUsage(cpu);
    const elapsed = performance.now() - wall;
    // a spinning worker would burn about the whole interval on its core
    expect((used.user + used.system) / 1000).toBeLessThan(0.25 * elapsed);
  });
});
