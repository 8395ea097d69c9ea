import * as tf from '@tensorflow/tfjs-core';

/**
 * The parts of tfjs-backend-wasm's `BackendWasm` (4.22) that the fast kernels use. They are not
 * in its public typings (the Emscripten module is typed through `@types/emscripten`, which this
 * package does not install), so they are described here structurally and checked at run time by
 * {@link asWasmBackend}.
 */
export interface WasmBackendInternals {
  /** Next free tensor id; the backend hands ids out by incrementing it. */
  dataIdNextNumber: number;
  readonly dataIdMap: {
    get(dataId: tf.DataId): { id: number; memoryOffset: number; shape: number[]; dtype: tf.DataType } | undefined;
    delete(dataId: tf.DataId): boolean;
  };
  readonly wasm: WasmModuleInternals;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  disposeData(dataId: tf.DataId, force?: boolean): boolean;
}

/** The Emscripten module of tfjs-backend-wasm, as far as the fast kernels use it. */
export interface WasmModuleInternals {
  readonly HEAPU8: Uint8Array;
  readonly HEAP32: Int32Array;
  readonly HEAPF32: Float32Array;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  /**
   * The C entry of the BatchMatMul kernel: `(aId, aShapePtr, aRank, bId, bShapePtr, bRank,
   * transposeA, transposeB, outId)`, shapes as int32 arrays on the heap.
   */
  _BatchMatMul(
    aId: number,
    aShapePtr: number,
    aRank: number,
    bId: number,
    bShapePtr: number,
    bRank: number,
    transposeA: number,
    transposeB: number,
    outId: number,
  ): void;
  readonly tfjs: {
    registerTensor(id: number, size: number, memoryOffset: number): void;
    disposeData(id: number): void;
    /** Threads of XNNPACK's pool (1 in the single-threaded build). */
    getThreadsCount?(): number;
  };
}

/**
 * Checks that `backend` looks like tfjs-backend-wasm 4.x's `BackendWasm` and returns it typed.
 * Throws an Error naming what is missing when the installed version differs.
 */
export function asWasmBackend(backend: unknown): WasmBackendInternals {
  const b = backend as Partial<WasmBackendInternals> | null;
  const wasm = b?.wasm as Partial<WasmModuleInternals> | undefined;
  if (
    !b ||
    typeof b.dataIdNextNumber !== 'number' ||
    typeof b.makeOutput !== 'function' ||
    !wasm ||
    typeof wasm._malloc !== 'function' ||
    typeof wasm._BatchMatMul !== 'function' ||
    typeof wasm.tfjs?.registerTensor !== 'function'
  ) {
    throw new Error(
      'registerFastKernels: the wasm backend does not have the internals the fast kernels need ' +
        '(dataIdNextNumber, makeOutput, wasm._malloc, wasm._BatchMatMul, wasm.tfjs.registerTensor). ' +
        'Use @tensorflow/tfjs-backend-wasm 4.22, or do not call registerFastKernels for this backend.',
    );
  }
  return b as WasmBackendInternals;
}

/** Runs the kernel registered as `kernelName` for `backendName` and returns its single output. */
export function runKernel(
  kernelName: string,
  backendName: string,
  backend: unknown,
  inputs: tf.NamedTensorInfoMap,
  attrs: tf.NamedAttrMap = {},
): tf.TensorInfo {
  const config = tf.getKernel(kernelName, backendName);
  if (!config) {
    throw new Error(`registerFastKernels: kernel '${kernelName}' is not registered for backend '${backendName}'.`);
  }
  const out = config.kernelFunc({ inputs, backend: backend as object, attrs });
  if (Array.isArray(out)) {
    throw new Error(`registerFastKernels: kernel '${kernelName}' returned several outputs where one was expected.`);
  }
  return out;
}

/**
 * Tracks the intermediate TensorInfos a composite kernel makes, so that every one of them is
 * released (through the backend's reference counting) when the kernel finishes.
 */
export class Scratch {
  private readonly infos: tf.TensorInfo[] = [];

  constructor(private readonly backend: WasmBackendInternals) {}

  /** Remembers `info` for {@link Scratch.release} and returns it. */
  keep(info: tf.TensorInfo): tf.TensorInfo {
    this.infos.push(info);
    return info;
  }

  /** Releases every kept TensorInfo except `result` (which the kernel hands back). */
  release(result?: tf.TensorInfo): void {
    for (const info of this.infos) {
      if (info !== result) this.backend.disposeData(info.dataId);
    }
    this.infos.length = 0;
  }
}

/** `info` with a different shape of the same size, as a new reference (Reshape kernel, no copy). */
export function reshapeInfo(backendName: string, backend: unknown, info: tf.TensorInfo, shape: number[]): tf.TensorInfo {
  return runKernel(tf.Reshape, backendName, backend, { x: info }, { shape });
}

/** A copy of `info` with its last two axes swapped, `[..., r, c]` -> `[..., c, r]`. */
export function swapLastTwo(backendName: string, backend: unknown, info: tf.TensorInfo): tf.TensorInfo {
  const rank = info.shape.length;
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return runKernel(tf.Transpose, backendName, backend, { x: info }, { perm });
}

/** Float32 view (no copy) of a wasm tensor's data on the heap. Valid until the heap grows. */
export function heapF32(backend: WasmBackendInternals, info: tf.TensorInfo): Float32Array {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('registerFastKernels: tensor data is not on the wasm backend.');
  return new Float32Array(backend.wasm.HEAPF32.buffer, data.memoryOffset, tf.util.sizeFromShape(info.shape));
}

/**
 * View (no copy) of a wasm tensor's data on the heap typed by its dtype: float32, int32, or bytes
 * for bool. Valid until the heap grows.
 */
export function heapView(backend: WasmBackendInternals, info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('registerFastKernels: tensor data is not on the wasm backend.');
  const size = tf.util.sizeFromShape(info.shape);
  const buffer = backend.wasm.HEAPU8.buffer;
  if (info.dtype === 'float32') return new Float32Array(buffer, data.memoryOffset, size);
  if (info.dtype === 'int32') return new Int32Array(buffer, data.memoryOffset, size);
  return new Uint8Array(buffer, data.memoryOffset, size);
}

/** Int32 view (no copy) of a wasm tensor's data on the heap. Valid until the heap grows. */
export function heapI32(backend: WasmBackendInternals, info: tf.TensorInfo): Int32Array {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('registerFastKernels: tensor data is not on the wasm backend.');
  return new Int32Array(backend.wasm.HEAP32.buffer, data.memoryOffset, tf.util.sizeFromShape(info.shape));
}

/** Byte offset of a wasm tensor's data on the heap. */
export function memoryOffsetOf(backend: WasmBackendInternals, info: tf.TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('registerFastKernels: tensor data is not on the wasm backend.');
  return data.memoryOffset;
}

/** The `[k, n]` geometry each right-hand GEMM operand was last packed with, by data buffer. */
const packedGeometry = new WeakMap<object, string>();

/**
 * Runs `fn` with a right-hand GEMM operand `b` (`[1, k, n]`) that is safe to hand to tfjs-wasm's
 * XNNPACK matmul. That kernel caches the packed operator under the operand's tensor id and never
 * checks the shape again, but one buffer can be seen with several shapes through zero-copy
 * reshapes and transposes (`[1, 1, 4]` and `[1, 4, 1]` share an id): reusing the stale operator
 * gives wrong results and writes past the output. When `b`'s buffer was packed with another
 * geometry before, `fn` gets a temporary view of the same memory under a fresh id instead.
 */
export function withPackableOperand<T>(
  backend: WasmBackendInternals,
  b: tf.TensorInfo,
  k: number,
  n: number,
  fn: (operand: tf.TensorInfo) => T,
): T {
  const key = `${k}x${n}`;
  const seen = packedGeometry.get(b.dataId);
  if (seen === undefined || seen === key) {
    packedGeometry.set(b.dataId, key);
    return fn(b);
  }
  const view = backend.makeOutput([...b.shape], b.dtype, memoryOffsetOf(backend, b));
  const data = backend.dataIdMap.get(view.dataId);
  try {
    return fn(view);
  } finally {
    // Forget the view without freeing: the memory belongs to `b`. dispose_data also drops the
    // operator cached under the view's id.
    backend.dataIdMap.delete(view.dataId);
    if (data) backend.wasm.tfjs.disposeData(data.id);
  }
}
