import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/index';
import { registerFastKernels } from '../../src/kernels/index';
import { installThreadedWasm } from '../../src/kernels/wasm/wasm-threads';
import { maxAbsDiff, naiveMatMul, valuesOf } from './kernel-test-helpers';

// This file replaces the process's wasm backend, so it runs alone (vitest isolates test files).
describe('installThreadedWasm', () => {
  it('runs the threaded SIMD build under Node with 2 threads and the fast kernels give exact results', async () => {
    const info = await installThreadedWasm({ threads: 2 });
    expect(info.threads).toBe(2);
    await initBackend({ backend: 'wasm' });
    registerFastKernels('wasm');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    expect(wasm.getThreadsCount()).toBe(2);
    for (const [sa, sb, ta, tb] of [
      [[64, 48], [64, 40], true, false],
      [[3, 32, 24], [24, 40], false, false],
      [[4, 32, 24], [4, 40, 24], false, true],
    ] as [number[], number[], boolean, boolean][]) {
      const av = valuesOf(sa, 1);
      const bv = valuesOf(sb, 2);
      const out = tf.matMul(tf.tensor(av, sa), tf.tensor(bv, sb), ta, tb);
      const ref = naiveMatMul(av, sa, bv, sb, ta, tb);
      expect(out.shape).toEqual(ref.shape);
      expect(maxAbsDiff(out.dataSync(), ref.values)).toBeLessThan(1e-4);
    }
    await expect(installThreadedWasm({ threads: 2 })).rejects.toThrow(/already running/);
    // asking initBackend again: the same count is a no-op, another count a clear error
    expect((await initBackend({ backend: 'wasm', wasmThreads: 2 })).threads).toBe(2);
    const other = initBackend({ backend: 'wasm', wasmThreads: 3 });
    await expect(other).rejects.toThrow(/already runs with 2 thread\(s\) in this process/);
    await expect(initBackend({ backend: 'wasm', wasmThreads: 3 })).rejects.not.toThrow(/Reinstall/);
    await expect(installThreadedWasm({ threads: 0 })).rejects.toThrow(/1 to 8/);
  });
});
