// The GEMM pool: @ait/core's SIMD GEMM on worker threads beside the calling thread, on tfjs-wasm's
// threaded build (wasmThreads 2). Its own process (vitest isolates files), as the thread count of
// the wasm backend is fixed once it starts.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, runtimePlatform } from '../../src/index';
import { gemmPoolFor, startGemmPool, stopGemmPool } from '../../src/kernels/gemm-pool';
import { asWasmBackend } from '../../src/kernels/wasm-interop';
import { maxAbsDiff, naiveMatMul } from './kernel-test-helpers';

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
    const a = tf.tensor(values(aShape.reduce((x, y) => x * y, 1), i), aShape);
    const b = tf.tensor(values(bShape.reduce((x, y) => x * y, 1), i + 50), bShape);
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

  it('runs large products on both threads, bit-identical to one thread and right against float64', () => {
    const pool = gemmPoolFor(asWasmBackend(tf.backend()));
    expect(pool?.threads).toBe(2);
    const before = pool?.workerChunks ?? 0;
    const tensors = tf.memory().numTensors;
    const pooled = products();
    expect(pool?.workerChunks ?? 0).toBeGreaterThan(before);
    expect(tf.memory().numTensors).toBe(tensors);

    stopGemmPool(tf.backend());
    expect(gemmPoolFor(asWasmBackend(tf.backend()))).toBeUndefined();
    const single = products();
    expect(pooled.length).toBe(single.length);
    pooled.forEach((p, i) => expect(Buffer.from(p.buffer).equals(Buffer.from(single[i]!.buffer)), `product ${i}`).toBe(true));

    CASES.forEach(([aShape, bShape, ta, tb], i) => {
      const ref = naiveMatMul(Array.from(values(aShape.reduce((x, y) => x * y, 1), i)), aShape, Array.from(values(bShape.reduce((x, y) => x * y, 1), i + 50)), bShape, ta, tb);
      expect(maxAbsDiff(Array.from(pooled[2 * i]!), ref.values), `${aShape} x ${bShape}`).toBeLessThan(1e-3);
    });
    const start = runtimePlatform().startGemmWorker;
    if (start) startGemmPool(tf.backend(), 1, start);
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
