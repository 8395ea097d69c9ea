import * as tf from '@tensorflow/tfjs-core';
import type * as WasmBackend from '@tensorflow/tfjs-backend-wasm';
import { gemmPoolFor, startGemmPool } from '../kernels/wasm/gemm-pool';
import { wasmRevectorize } from '../kernels/wasm/gemm-tile';
import { asWasmBackend } from '../kernels/wasm/wasm-interop';
import { runtimePlatform } from '../platform/runtime-platform';
import type { BackendAttempt, InitBackendOptions } from './backend-choice';
import { markFatal } from './fatal-attempts';
import { locateWasmBinaries } from './wasm-binaries';

/** Why `wasmThreads` is not a valid thread count, or null when it is valid or unset. */
export function wasmThreadsProblem(threads: number | undefined): string | null {
  if (threads === undefined || (Number.isInteger(threads) && threads >= 1 && threads <= 8)) return null;
  return `wasmThreads must be an integer from 1 to 8 (tfjs-wasm's threaded build takes 1-8), got ${String(threads)}`;
}

/** A wasm attempt that failed although the package is there: it cannot start as asked (reinstalling will not help). */
function cannotStart(reason: string): BackendAttempt {
  return { backend: 'wasm', ok: false, installed: false, reason };
}

/**
 * Starts tfjs-wasm with the threads asked for (`wasmThreads`, else every core up to 8 under Node
 * and one in a browser): the threaded build and @ait/core's GEMM worker pool where more than one
 * thread runs, V8's revectorizer where it helps, the binaries located first (`wasmPaths`). An
 * explicit thread count that cannot be honoured fails the attempt; a default one falls back to
 * one thread and says why in the attempt's reason.
 */
export async function tryWasm(options: InitBackendOptions): Promise<BackendAttempt> {
  const threads = options.wasmThreads;
  let wasm: typeof WasmBackend;
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    return { backend: 'wasm', ok: false, reason: `@tensorflow/tfjs-backend-wasm failed to load: ${(err as Error).message}` };
  }
  const threadsProblem = wasmThreadsProblem(threads);
  if (threadsProblem !== null) return markFatal(cannotStart(threadsProblem));
  // V8's revectorizer (Node 24+) before tfjs-wasm's and the SIMD kernels' modules compile
  wasmRevectorize();
  // asked for, or by default every core under Node (at most 8) and one in a browser
  const explicit = threads !== undefined;
  let wanted = threads ?? runtimePlatform().defaultWasmThreads();
  let note = '';
  // an already initialised wasm backend (tf.findBackend would start initialising one)
  const initialised = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm !== undefined;
  const running = initialised ? wasmThreadsRunning(wasm) : null;
  if (running !== null && explicit && wanted > 1 && running !== wanted) {
    return cannotStart(
      `the wasm backend already runs with ${running} thread(s) in this process and its thread count cannot change; ` +
        `ask for ${wanted} threads before the first use of the wasm backend (e.g. in a new process)`,
    );
  }
  const install = runtimePlatform().installThreadedWasm;
  const start = runtimePlatform().startGemmWorker;
  // a threaded build installed by hand (installThreadedWasm) runs as it was set up
  if (running === null && !explicit && runtimePlatform().installedThreadedWasm?.() != null) wanted = 1;
  if (wanted > 1 && running === null && (!install || !start || typeof SharedArrayBuffer === 'undefined')) {
    if (explicit) {
      return cannotStart(
        `wasmThreads ${wanted} needs worker threads, which @ait/core starts under Node only; in a browser ` +
          'tfjs-wasm uses threads by itself on cross-origin-isolated pages, so leave wasmThreads unset',
      );
    }
    wanted = 1;
  }
  if (wanted > 1 && running === null && install) {
    try {
      // XNNPACK's own pool stays at one thread (its threads spin while they wait); the threads
      // asked for run @ait/core's GEMM pool, whose workers sleep
      await install(1);
    } catch (err) {
      if (explicit) return cannotStart(`the threaded wasm build failed to start: ${(err as Error).message}`);
      note = `; one thread, as the threaded build failed to start: ${(err as Error).message}`;
      wanted = 1;
    }
  }
  if (running === null) {
    const missing = await locateWasmBinaries(wasm, options);
    if (missing) return missing;
  }
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
  } catch (err) {
    return { backend: 'wasm', ok: false, reason: `the wasm backend failed to initialise: ${(err as Error).message}` };
  }
  if (!ok) return { backend: 'wasm', ok: false, reason: 'the wasm backend failed to initialise' };
  if (wanted > 1 && running === null && start) {
    try {
      startGemmPool(tf.backend(), wanted - 1, start);
    } catch (err) {
      if (explicit) return cannotStart(`the GEMM worker threads failed to start: ${(err as Error).message}`);
      note = `; one thread, as the GEMM worker threads failed to start: ${(err as Error).message}`;
    }
  }
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  return {
    backend: 'wasm',
    ok: true,
    reason: `WebAssembly backend ready (${simd ? 'SIMD' : 'no SIMD'}, ${wasmThreadsRunning(wasm)} thread(s)${note})`,
  };
}

/**
 * Threads the running wasm backend computes with: its GEMM pool's (the calling thread and the
 * workers), else XNNPACK's.
 */
export function wasmThreadsRunning(wasm: typeof WasmBackend): number {
  const instance = tf.engine().registry.wasm;
  const pool = instance ? gemmPoolFor(asWasmBackend(instance)) : undefined;
  return pool?.threads ?? wasm.getThreadsCount();
}
