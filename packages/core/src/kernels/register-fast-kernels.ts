import * as tf from '@tensorflow/tfjs-core';
import { FAST_GRADIENT_ENTRIES, FAST_KERNEL_ENTRIES, type FastGradientEntry, type FastKernelEntry } from './fast-kernel-table';
import { simdKernelsFor } from './wasm/simd-module';
import { asWasmBackend } from './wasm/wasm-interop';

/** Marks kernel functions installed by {@link registerFastKernels}, so a second call can tell. */
const FAST = Symbol.for('@ait/core/fast-kernel');

type MarkedKernelFunc = tf.KernelFunc & { [FAST]?: true };

function isFast(config: tf.KernelConfig | undefined): boolean {
  return config !== undefined && (config.kernelFunc as MarkedKernelFunc)[FAST] === true;
}

function mark(fn: tf.KernelFunc): tf.KernelFunc {
  (fn as MarkedKernelFunc)[FAST] = true;
  return fn;
}

/**
 * Installs `entry`'s kernel for `backendName` in place of (or next to nothing, where there is
 * none) the kernel registered before, which the entry's factory receives. Does nothing when the
 * fast kernel is already in place; throws naming the kernel where a `wraps` entry finds none.
 */
function install(entry: FastKernelEntry, backendName: string): void {
  const { kernelName } = entry;
  const existing = tf.getKernel(kernelName, backendName);
  if (isFast(existing)) return;
  let made: tf.KernelFunc;
  if (entry.mode === 'wraps') {
    if (!existing) throw new Error(`registerFastKernels: backend '${backendName}' has no ${kernelName} kernel.`);
    made = entry.make({ kernelName, backendName, original: existing.kernelFunc });
  } else {
    made = entry.make({ kernelName, backendName, original: existing?.kernelFunc });
  }
  const kernelFunc = mark(made);
  if (existing) tf.unregisterKernel(kernelName, backendName);
  const config: tf.KernelConfig = { kernelName, backendName, kernelFunc };
  if (existing?.setupFunc) config.setupFunc = existing.setupFunc;
  if (existing?.disposeFunc) config.disposeFunc = existing.disposeFunc;
  tf.registerKernel(config);
  // Kernels' setup functions run when a backend is selected; if this one is running already,
  // run the original's setup now so that the kernel we delegate to is ready.
  if (config.setupFunc && tf.getBackend() === backendName) config.setupFunc(tf.backend());
}

/**
 * Registers a gradient entry: a `gradient` on every call unless it is in place already (importing
 * tfjs-layers, which registers tfjs' own gradients, after a first call would otherwise put tfjs'
 * bug back), a `missing-gradient` only where tfjs has none.
 */
function registerGradientEntry(entry: FastGradientEntry): void {
  const current = tf.getGradient(entry.kernelName);
  if (entry.mode === 'gradient' ? current !== entry.config : !current) tf.registerGradient(entry.config);
}

/** Whether AiT.js's SIMD kernels run on the heap of the registered backend `backendName`. */
function simdKernelsRun(backendName: string): boolean {
  const instance = tf.engine().findBackend(backendName);
  return instance !== null && instance !== undefined && simdKernelsFor(asWasmBackend(instance)) !== null;
}

/**
 * Installs AiT.js's fast kernels and gradient fixes for `backendName` (call it after the backend
 * is registered, e.g. from `initBackend`; calling it again is a no-op).
 *
 * What it installs is the table {@link FAST_KERNELS}, entry by entry in its order: first the
 * gradient fixes for every backend (a `BatchMatMul` gradient that reduces broadcast batch
 * dimensions to each input's shape, zero gradients for boolean kernels so that
 * `tf.where(tf.greater(x, 0), a, b)` can be differentiated, an `Einsum` gradient and a one-pass
 * `Tile` gradient), then the kernels listed for `backendName`. For `wasm` these keep every matmul
 * on a fast GEMM, add the kernels tfjs-wasm lacks for training (`UnsortedSegmentSum`,
 * `Conv2DBackpropFilter`, `Einsum`) and, where AiT.js's WebAssembly SIMD kernels run on
 * tfjs-wasm's heap, put the GEMM, convolutions, GELU, layer normalisation and the large
 * elementwise operations on them (on every thread of the GEMM pool with `initBackend`'s
 * `wasmThreads` > 1). For `cpu` and `webgpu`: a `BatchMatMul` that makes two-way batch
 * broadcasting correct; for `webgpu` also an `AddN` that sums any number of inputs. Other
 * backends keep their kernels.
 *
 * A kernel that wraps the backend's own keeps that one for the cases it does not take, and its
 * setup and dispose functions. Throws naming the kernel where the backend lacks one that an
 * entry wraps.
 */
export function registerFastKernels(backendName: string): void {
  if (typeof backendName !== 'string' || backendName.length === 0) {
    throw new Error('registerFastKernels: pass the tfjs backend name, e.g. "wasm" or "cpu".');
  }
  for (const entry of FAST_GRADIENT_ENTRIES) registerGradientEntry(entry);
  let simd: boolean | undefined;
  for (const entry of FAST_KERNEL_ENTRIES) {
    if (!(entry.backends as readonly string[]).includes(backendName)) continue;
    if (entry.simdOnly) {
      simd ??= simdKernelsRun(backendName);
      if (!simd) continue;
    }
    install(entry, backendName);
  }
}
