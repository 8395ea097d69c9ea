import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError, initBackend } from '../../src/index';
import { nodePlatform } from '../../src/platform/node-platform';
import { setRuntimePlatform } from '../../src/platform/runtime-platform';
import { restoreBackendAfterwards } from '../../testing/index';

function installed(pkg: string): boolean {
  try {
    createRequire(join(process.cwd(), 'noop.js')).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

const hasNode = installed('@tensorflow/tfjs-node');
const hasNodeGpu = installed('@tensorflow/tfjs-node-gpu');

describe('initBackend', () => {
  restoreBackendAfterwards();

  it('selects the plain JS backend on request', async () => {
    const info = await initBackend({ backend: 'cpu' });
    expect(info.backend).toBe('cpu');
    expect(info.tfjsBackend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(info.attempts).toHaveLength(1);
  });

  it('selects the WebAssembly backend on request, with SIMD, and computes correctly', async () => {
    const info = await initBackend({ backend: 'wasm' });
    expect(info.tfjsBackend).toBe('wasm');
    expect(info.simd).toBe(true);
    // by default every core under Node (at most 8): the GEMM pool's workers and the calling thread
    expect(info.threads).toBe(Math.min(8, availableParallelism()));
    expect(info.summary).toMatch(new RegExp(`WebAssembly backend ready \\(SIMD, ${info.threads} thread\\(s\\)\\)`));
    const y = tf.matMul(
      tf.tensor2d([
        [1, 2],
        [3, 4],
      ]),
      tf.tensor2d([
        [5, 6],
        [7, 8],
      ]),
    );
    expect(Array.from(y.dataSync())).toEqual([19, 22, 43, 50]);
    y.dispose();
  });

  it('installs the fast kernels on the backend it selects (every matmul transpose case)', async () => {
    await initBackend({ backend: 'wasm' });
    const fast = Symbol.for('@ait/core/fast-kernel');
    for (const name of ['BatchMatMul', '_FusedMatMul', 'UnsortedSegmentSum', 'Conv2DBackpropFilter', 'Einsum']) {
      const kernel = tf.getKernel(name, 'wasm');
      expect(kernel, name).toBeDefined();
      expect((kernel?.kernelFunc as unknown as Record<symbol, unknown>)[fast], name).toBe(true);
    }
    const a = tf.tensor2d([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const yt = tf.matMul(a, a, false, true);
    expect(Array.from(yt.dataSync())).toEqual([14, 32, 32, 77]);
    tf.dispose([a, yt]);
  });

  it.skipIf(hasNode || hasNodeGpu)('auto skips the uninstalled tfjs-node backends, says why, and picks wasm', async () => {
    // without WebGPU here (a machine with a GPU would pick webgpu before wasm)
    setRuntimePlatform({ ...nodePlatform, loadWebGpu: async () => ({ loaded: false, reason: 'the webgpu package is not installed' }) });
    const info = await initBackend({ backend: 'auto' }).finally(() => setRuntimePlatform(nodePlatform));
    expect(info.requested).toBe('auto');
    expect(info.backend).toBe('wasm');
    expect(info.attempts.map((a) => [a.backend, a.ok])).toEqual([
      ['tensorflow-gpu', false],
      ['tensorflow', false],
      ['webgpu', false],
      ['wasm', true],
    ]);
    expect(info.attempts[0]?.reason).toMatch(/@tensorflow\/tfjs-node-gpu is not installed/);
    expect(info.summary).toMatch(/backend wasm/);
    expect(info.summary).toMatch(/skipped tensorflow-gpu/);
  });

  it.skipIf(hasNode)('an explicit request for a missing backend says how to install it', async () => {
    const before = tf.getBackend();
    const err = await initBackend({ backend: 'tensorflow' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/"tensorflow" is not available: @tensorflow\/tfjs-node is not installed/);
    expect((err as Error).message).toMatch(/npm install @tensorflow\/tfjs-node@4\.22\.0/);
    expect(tf.getBackend()).toBe(before);
  });

  it.skipIf(hasNodeGpu)('the GPU backend error names tfjs-node-gpu', async () => {
    const err = await initBackend({ backend: 'tensorflow-gpu' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/npm install @tensorflow\/tfjs-node-gpu/);
  });

  it('rejects an unknown backend name with the list of valid ones', async () => {
    const err = await initBackend({ backend: 'metal' as never }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/Unknown backend "metal".*auto, tensorflow-gpu, tensorflow, webgpu, wasm, webgl, cpu/);
  });

  it('refuses a thread count outside 1-8 with the valid range, also under auto', async () => {
    for (const backend of ['wasm', 'auto'] as const) {
      const err = await initBackend({ backend, wasmThreads: 16 }).catch((e: unknown) => e);
      expect(err, backend).toBeInstanceOf(BackendUnavailableError);
      expect((err as Error).message, backend).toMatch(/wasmThreads must be an integer from 1 to 8 .*got 16/);
    }
  });

  it('refuses WebGL under Node, saying it needs a browser', async () => {
    const before = tf.getBackend();
    const err = await initBackend({ backend: 'webgl' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as Error).message).toMatch(/"webgl" is not available: WebGL is not available under Node \(it needs a browser\)/);
    expect(tf.getBackend()).toBe(before);
  });
});
