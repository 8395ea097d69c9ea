import * as tf from '@tensorflow/tfjs-core';

/** Counts the synchronous reads from the GPU of the running webgpu backend. */
export interface SyncReadCounter {
  /** Reads so far. */
  readonly count: () => number;
  /** The call stacks of the first few, to find who read. */
  readonly stacks: () => readonly string[];
  /** Stops counting (puts the backend's own `readSync` back). */
  readonly stop: () => void;
}

/** What tfjs-backend-webgpu (4.22) keeps of a tensor: values in host memory, or none (on the GPU). */
interface WebGpuTensorData {
  readonly values?: unknown;
  readonly dtype?: string;
}

/** The parts of tfjs-backend-webgpu's backend this counter wraps and reads. */
interface WebGpuBackendLike {
  readSync: (dataId: object) => unknown;
  readonly tensorMap?: { get(dataId: object): WebGpuTensorData | undefined };
}

/**
 * Counts, from now on, the synchronous reads (`dataSync()`, `arraySync()`, ...) that the running
 * webgpu backend must answer from the GPU, which stall it (and fail under Node): wraps the
 * backend's `readSync` and counts the calls for tensors whose values are not in host memory.
 * Reads of values already on the host are free and not counted (tfjs-backend-webgpu's kernels make
 * them itself, e.g. `tile` on a small tensor that never went to the GPU). The library's training
 * path must read with `await data()` only.
 */
export function countGpuSyncReads(): SyncReadCounter {
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  const own = backend.readSync;
  const original = own.bind(backend);
  let count = 0;
  const stacks: string[] = [];
  backend.readSync = (dataId: object): unknown => {
    const data = backend.tensorMap?.get(dataId);
    if (data?.values == null && data?.dtype !== 'string') {
      count++;
      if (stacks.length < 3) stacks.push(new Error('synchronous read from the GPU').stack ?? '');
    }
    return original(dataId);
  };
  return {
    count: () => count,
    stacks: () => stacks,
    stop: () => {
      backend.readSync = own;
    },
  };
}

/**
 * The negative control of {@link countGpuSyncReads}, on the running webgpu backend: how many reads
 * it counts for `dataSync()` of a tensor made from host values (none expected) and of one computed
 * on the GPU (one expected; tfjs-backend-webgpu warns about it on the console).
 */
export function gpuSyncReadControl(): { readonly hostRead: number; readonly gpuRead: number } {
  // large enough that tfjs-backend-webgpu adds on the GPU (it adds small host tensors on the CPU)
  const fromHost = tf.tensor1d(new Float32Array(4096).fill(1.5));
  const counter = countGpuSyncReads();
  let computed: tf.Tensor | undefined;
  try {
    fromHost.dataSync();
    const hostRead = counter.count();
    computed = tf.add(fromHost, fromHost);
    computed.dataSync();
    return { hostRead, gpuRead: counter.count() - hostRead };
  } finally {
    counter.stop();
    tf.dispose([fromHost, ...(computed ? [computed] : [])]);
  }
}
