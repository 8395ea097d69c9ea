import { createHash } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type * as WasmBackendPackage from '@tensorflow/tfjs-backend-wasm';

/** Options of {@link installThreadedWasm}. */
export interface ThreadedWasmOptions {
  /** Worker threads for XNNPACK's thread pool, 1-8; default: the number of logical cores (at most 8). */
  threads?: number;
}

/** What {@link installThreadedWasm} did. */
export interface ThreadedWasmInfo {
  /** Threads requested for the pool (what the backend reports once it starts may be lower). */
  readonly threads: number;
  /** The pthread worker script written for Node's worker_threads. */
  readonly workerScript: string;
}

interface EmscriptenThreadedModule {
  cwrap(name: string, ret: string | null, args: string[]): (...args: number[]) => number;
  tfjs?: Record<string, (...args: number[]) => number>;
  PThread?: { runningWorkers?: { unref?: () => void }[] };
}

type ModuleFactory = (config: {
  mainScriptUrlOrBlob: string;
  locateFile: (path: string, prefix: string) => string;
}) => Promise<EmscriptenThreadedModule>;

const PACKAGE = '@tensorflow/tfjs-backend-wasm';

let installedThreads: number | null = null;

/** XNNPACK threads of the threaded build {@link installThreadedWasm} installed, or null if it did not. */
export function installedThreadedWasm(): number | null {
  return installedThreads;
}

function packageRequire(): NodeRequire {
  // Works from the ESM sources and from the CommonJS build alike.
  const base = typeof __filename === 'string' ? __filename : import.meta.url;
  return createRequire(base);
}

/**
 * Writes tfjs-wasm's pthread worker script (shipped as a string, which tfjs turns into a blob:
 * URL that Node's worker_threads refuse) to a file in the temp folder, once per content.
 */
function writeWorkerScript(req: NodeRequire, wasmOut: string): string {
  const { wasmWorkerContents } = req(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
    wasmWorkerContents: string;
  };
  // tfjs escapes newlines the same way before making its blob (string literals inside need it).
  const source = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const file = join(os.tmpdir(), `ait-tfjs-wasm-pthread-${hash}.cjs`);
  if (!existsSync(file)) writeFileSync(file, source);
  return file;
}

/**
 * Replaces the `wasm` backend's factory with one that runs tfjs-wasm's threaded SIMD binary
 * under Node, so that XNNPACK's thread pool (matmul, convolution, softmax) uses several cores.
 *
 * tfjs-wasm 4.22 never does this under Node: its feature check reports no thread support there,
 * its pthread workers are started from blob: URLs (which worker_threads refuse) and it caps the
 * pool at half the logical cores (1 on a 2-core machine). This writes the worker script to a
 * file, points Emscripten at it, lifts the cap for the pool's creation only (by reporting
 * `2 * threads` logical cores to the module while it starts) and registers the backend under the
 * name `wasm`, so `tf.setBackend('wasm')`, tfjs-wasm's `getThreadsCount()` and every kernel
 * registered for `wasm` (including {@link registerFastKernels}' ones) apply unchanged.
 *
 * Call it before the wasm backend is first selected; throws an Error saying so otherwise, or when
 * this Node has no SharedArrayBuffer or worker_threads.
 */
export async function installThreadedWasm(options: ThreadedWasmOptions = {}): Promise<ThreadedWasmInfo> {
  const threads = options.threads ?? Math.min(8, Math.max(1, os.cpus().length));
  if (!Number.isInteger(threads) || threads < 1 || threads > 8) {
    throw new Error(`installThreadedWasm: threads must be an integer from 1 to 8, got ${String(options.threads)}.`);
  }
  if (typeof SharedArrayBuffer === 'undefined') {
    throw new Error('installThreadedWasm: this JavaScript runtime has no SharedArrayBuffer; use the single-threaded wasm backend.');
  }
  if (tf.findBackend('wasm') !== null) {
    throw new Error(
      'installThreadedWasm: the wasm backend is already running; call installThreadedWasm before the first ' +
        "tf.setBackend('wasm') (e.g. at the start of initBackend).",
    );
  }
  const wasmPkg = (await import(PACKAGE)) as typeof WasmBackendPackage;
  const req = packageRequire();
  const wasmOut = join(dirname(req.resolve(`${PACKAGE}/package.json`)), 'wasm-out');
  const factoryPath = join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  const factory = req(factoryPath) as ModuleFactory;
  const workerScript = writeWorkerScript(req, wasmOut);

  const create = async (): Promise<tf.KernelBackend> => {
    // tfjs-wasm's own init evaluates this async flag; code that reads it synchronously later
    // (initBackend does) needs it cached. The threaded binary needs SIMD.
    if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) {
      throw new Error('installThreadedWasm: this runtime has no WebAssembly SIMD, which the threaded build needs.');
    }
    // The module computes its core count once, while it starts (C++ static initialisers).
    const osModule = req('os') as { cpus: () => os.CpuInfo[] };
    const realCpus = osModule.cpus;
    const cpus = realCpus();
    osModule.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length] as os.CpuInfo);
    let module: EmscriptenThreadedModule;
    try {
      module = await factory({
        mainScriptUrlOrBlob: factoryPath,
        locateFile: (path) => (path.endsWith('.worker.js') ? workerScript : join(wasmOut, path)),
      });
    } finally {
      osModule.cpus = realCpus;
    }
    module.tfjs = {
      init: module.cwrap('init', null, []),
      initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
      getThreadsCount: module.cwrap('get_threads_count', 'number', []),
      registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
      disposeData: module.cwrap('dispose_data', null, ['number']),
      dispose: module.cwrap('dispose', null, []),
    };
    wasmPkg.setThreadsCount(threads);
    const Backend = wasmPkg.BackendWasm as unknown as new (m: EmscriptenThreadedModule) => tf.KernelBackend;
    const backend = new Backend(module);
    // The pool's threads run for the life of the module; Emscripten keeps their workers
    // referenced, which would stop Node from exiting when the program is done.
    for (const worker of module.PThread?.runningWorkers ?? []) worker.unref?.();
    return backend;
  };
  try {
    tf.removeBackend('wasm');
  } catch {
    // Not registered yet: nothing to replace.
  }
  tf.registerBackend('wasm', create, 2);
  installedThreads = threads;
  return { threads, workerScript };
}
