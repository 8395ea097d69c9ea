import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { fileCheckpointStore } from '../checkpoint/file-checkpoint-store';
import { installedThreadedWasm, installThreadedWasm } from '../kernels/wasm/wasm-threads';
import { importOptional, isModuleNotFound } from './node-optional-import';
import { nodeWasmRevectorize } from './node-revectorize';
import { loadDawnWebGpu, probeDawnAdapter } from './node-webgpu';
import type { NativeBackendLoad, RuntimePlatform } from './runtime-platform';

async function loadNativeBackend(pkg: string): Promise<NativeBackendLoad> {
  try {
    await importOptional(pkg);
    return { loaded: true };
  } catch (err) {
    if (isModuleNotFound(err, pkg)) return { loaded: false, reason: `${pkg} is not installed` };
    return { loaded: false, reason: `${pkg} is installed but failed to load: ${(err as Error).message}` };
  }
}

/** The most threads the wasm backend runs with (tfjs-wasm's threaded build takes 1-8). */
const MAX_WASM_THREADS = 8;

/**
 * The runtime platform of @ait/core's Node entry: checkpoint files on disk, Node's SHA-256,
 * tfjs-node and the `webgpu` package (Dawn) found from the application's folder, and tfjs-wasm's
 * threaded build on worker threads.
 */
export const nodePlatform: RuntimePlatform = {
  name: 'node',
  sha256: (bytes) => new Uint8Array(createHash('sha256').update(bytes).digest()),
  checkpoints: fileCheckpointStore,
  joinPath: (dir, name) => join(dir, name),
  loadNativeBackend,
  defaultWasmPaths: () => undefined,
  enableRelaxedSimd: () => {
    // V8 11.3 (Node 20) has relaxed SIMD behind this flag; newer V8 has it on and rejects the flag.
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
      return true;
    } catch {
      return false;
    }
  },
  relaxedSimdAllowed: () => process.env.AIT_WASM_RELAXED_SIMD !== '0',
  wasmRevectorize: nodeWasmRevectorize,
  defaultWasmThreads: () => Math.max(1, Math.min(MAX_WASM_THREADS, availableParallelism())),
  startGemmWorker: (source, data) => {
    const worker = new Worker(source, { eval: true, workerData: data });
    // sleeping pool workers must not keep the process alive
    worker.unref();
    return worker;
  },
  installedThreadedWasm,
  installThreadedWasm: async (threads) => {
    await installThreadedWasm({ threads });
  },
  loadWebGpu: loadDawnWebGpu,
  probeWebGpuAdapter: () => probeDawnAdapter(),
};
