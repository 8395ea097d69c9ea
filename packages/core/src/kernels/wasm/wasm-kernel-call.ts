import type * as tf from '@tensorflow/tfjs-core';
import { simdKernelsFor, type SimdKernels } from './simd-module';
import { asWasmBackend, memoryOffsetOf, type WasmBackendInternals } from './wasm-interop';

/** What tfjs passes a kernel function: its inputs, the backend instance and the attributes. */
export type KernelParams = Parameters<tf.KernelFunc>[0];

/**
 * One call of a fast wasm kernel: the arguments tfjs passed, the backend's own kernel (where the
 * fast one wraps it) and the steps every such kernel starts and ends with: looking up inputs,
 * checking the backend, taking AiT.js's SIMD kernels where the dtypes allow, allocating outputs on
 * the heap and handing the cases it does not take to the backend's own kernel. One object per
 * kernel call; nothing is allocated per element.
 */
export class WasmKernelCall {
  /** The kernel's inputs as tfjs passed them. */
  readonly inputs: tf.NamedTensorInfoMap;
  /** The kernel's attributes (`{}` where tfjs passed none). */
  readonly attrs: tf.NamedAttrMap;
  /** The backend instance as tfjs passed it (for kernels run through `runKernel`). */
  readonly backendRaw: object;
  private checked: WasmBackendInternals | undefined;

  /**
   * @param kernelName the kernel this call runs (named in errors)
   * @param backendName the backend it is registered for (`'wasm'`)
   * @param params what tfjs passed the kernel function
   * @param original the backend's kernel function registered before, undefined where there was none
   */
  constructor(
    readonly kernelName: string,
    readonly backendName: string,
    params: KernelParams,
    private readonly original: tf.KernelFunc | undefined,
  ) {
    this.inputs = params.inputs;
    this.attrs = params.attrs ?? {};
    this.backendRaw = params.backend;
  }

  /** The backend typed as tfjs-wasm's internals, checked on first use (see `asWasmBackend`). */
  get backend(): WasmBackendInternals {
    this.checked ??= asWasmBackend(this.backendRaw);
    return this.checked;
  }

  /** Input `name`; throws naming the kernel and the input where tfjs passed none. */
  input(name: string): tf.TensorInfo {
    const info = this.inputs[name];
    if (!info) throw new Error(`${this.kernelName} on wasm: input '${name}' is missing.`);
    return info;
  }

  /** The backend's own kernel function; throws where the fast kernel replaced none. */
  originalKernel(): tf.KernelFunc {
    if (!this.original) throw new Error(`${this.kernelName} on wasm: the backend had no kernel of its own to hand this case to.`);
    return this.original;
  }

  /** Runs the backend's own kernel on this call's inputs and attributes (a single output). */
  delegate(): tf.TensorInfo {
    return this.originalKernel()({ inputs: this.inputs, backend: this.backendRaw, attrs: this.attrs }) as tf.TensorInfo;
  }

  /** Runs the backend's own kernel on this call's inputs and attributes (several outputs). */
  delegateAll(): tf.TensorInfo[] {
    return this.originalKernel()({ inputs: this.inputs, backend: this.backendRaw, attrs: this.attrs }) as tf.TensorInfo[];
  }

  /** AiT.js's SIMD kernels where `applies` holds and they run on this backend's heap, else null. */
  simdIf(applies: boolean): SimdKernels | null {
    return applies ? simdKernelsFor(this.backend) : null;
  }

  /** AiT.js's SIMD kernels where `a` (and `b`, if given) are float32 and they run here, else null. */
  floatSimd(a: tf.TensorInfo, b?: tf.TensorInfo): SimdKernels | null {
    return this.simdIf(a.dtype === 'float32' && (b === undefined || b.dtype === 'float32'));
  }

  /** AiT.js's SIMD kernels; throws naming the kernel where they do not run on this backend. */
  requireSimd(): SimdKernels {
    const simd = simdKernelsFor(this.backend);
    if (!simd) throw new Error(`${this.kernelName}: the SIMD kernels are not available on this wasm backend.`);
    return simd;
  }

  /** A new tensor on the heap of `shape` (copied) and `dtype` (float32 unless given), uninitialised. */
  output(shape: readonly number[], dtype: tf.DataType = 'float32'): tf.TensorInfo {
    return this.backend.makeOutput([...shape], dtype);
  }

  /** Byte offset of `info`'s data on the heap. */
  offset(info: tf.TensorInfo): number {
    return memoryOffsetOf(this.backend, info);
  }
}

/** A fast wasm kernel written against {@link WasmKernelCall}. */
export type WasmKernel = (call: WasmKernelCall) => tf.TensorInfo | tf.TensorInfo[];

/**
 * The tfjs kernel function that runs `kernel` as `kernelName` for `backendName`, handing it the
 * backend's kernel registered before (`original`) for the cases it does not take.
 */
export function wasmKernelFunc(
  kernelName: string,
  backendName: string,
  original: tf.KernelFunc | undefined,
  kernel: WasmKernel,
): tf.KernelFunc {
  return (params) => kernel(new WasmKernelCall(kernelName, backendName, params, original));
}
