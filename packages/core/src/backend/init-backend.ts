import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import type * as WasmBackend from '@tensorflow/tfjs-backend-wasm';
import { registerFastKernels } from '../kernels/register-fast-kernels';
import { installThreadedWasm } from '../kernels/wasm-threads';

/** Backends `initBackend` can select. `auto` picks the fastest one that works here. */
export type BackendChoice = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** One backend that `initBackend` tried, and what happened. */
export interface BackendAttempt {
  readonly backend: Exclude<BackendChoice, 'auto'>;
  readonly ok: boolean;
  /** Why it was used or skipped, in words. */
  readonly reason: string;
  /** `false` when the package is installed but could not start as asked (reinstalling will not help). */
  readonly installed?: boolean;
}

/** What `initBackend` selected and why. */
export interface BackendInfo {
  /** What was asked for. */
  readonly requested: BackendChoice;
  /** The backend that now runs, in AiT.js terms. */
  readonly backend: Exclude<BackendChoice, 'auto'>;
  /** The tfjs backend name that now runs (`tensorflow`, `wasm` or `cpu`). */
  readonly tfjsBackend: string;
  /** Every backend tried, in order. */
  readonly attempts: readonly BackendAttempt[];
  /** For wasm: whether the SIMD binary runs. */
  readonly simd?: boolean;
  /** For wasm: worker threads in use (1 under Node, which refuses tfjs-wasm's blob: workers). */
  readonly threads?: number;
  /** One-line human summary, e.g. for a CLI banner. */
  readonly summary: string;
}

/** Options for {@link initBackend}. */
export interface InitBackendOptions {
  /** Which backend to run; default `auto`. */
  backend?: BackendChoice;
  /**
   * wasm only: worker threads for XNNPACK's pool (matmul, convolution, softmax). Default 1. More
   * than 1 starts tfjs-wasm's threaded SIMD build through Node worker threads, which pays off only
   * when the cores are otherwise idle (its threads busy-wait; see `installThreadedWasm`).
   */
  wasmThreads?: number;
}

/** Thrown when a backend that was asked for explicitly is not installed or cannot start. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  constructor(
    readonly backend: Exclude<BackendChoice, 'auto'>,
    message: string,
  ) {
    super(message);
  }
}

const NODE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

const INSTALL_HINT: Record<Exclude<BackendChoice, 'auto'>, string> = {
  'tensorflow-gpu':
    'Install it next to @ait/core with `npm install @tensorflow/tfjs-node-gpu@4.22.0` (needs a CUDA ' +
    'machine; its install step downloads libtensorflow), or use backend "wasm" or "auto".',
  tensorflow:
    'Install it next to @ait/core with `npm install @tensorflow/tfjs-node@4.22.0` (its install step ' +
    'downloads libtensorflow), or use backend "wasm" or "auto".',
  wasm: 'Reinstall @ait/core so that its dependency @tensorflow/tfjs-backend-wasm is present (`npm install @ait/core`).',
  cpu: 'Reinstall @ait/core so that its dependency @tensorflow/tfjs-backend-cpu is present (`npm install @ait/core`).',
};

function isModuleNotFound(err: unknown, pkg: string): boolean {
  const e = err as { code?: string; message?: string } | null;
  if (!e) return false;
  return (
    (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes(pkg)
  );
}

/**
 * Imports an optional package from the application's point of view (the current working
 * directory) first, so that a tfjs-node installed by the user is found even though it is not a
 * dependency of @ait/core, then from @ait/core's own location.
 */
async function importOptional(pkg: string): Promise<unknown> {
  const fromCwd = createRequire(join(process.cwd(), 'noop.js'));
  let resolved: string | undefined;
  try {
    resolved = fromCwd.resolve(pkg);
  } catch {
    resolved = undefined;
  }
  return resolved ? import(pathToFileURL(resolved).href) : import(/* @vite-ignore */ pkg);
}

async function tryNode(backend: 'tensorflow-gpu' | 'tensorflow'): Promise<BackendAttempt> {
  const pkg = NODE_PACKAGES[backend];
  try {
    await importOptional(pkg);
  } catch (err) {
    if (isModuleNotFound(err, pkg)) {
      return { backend, ok: false, reason: `${pkg} is not installed` };
    }
    return { backend, ok: false, reason: `${pkg} is installed but failed to load: ${(err as Error).message}` };
  }
  const ok = await tf.setBackend('tensorflow');
  return ok
    ? { backend, ok: true, reason: `${pkg} loaded` }
    : { backend, ok: false, reason: `${pkg} loaded but the "tensorflow" backend failed to initialise` };
}

async function tryWasm(threads: number | undefined): Promise<BackendAttempt> {
  let wasm: typeof WasmBackend;
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    return { backend: 'wasm', ok: false, reason: `@tensorflow/tfjs-backend-wasm failed to load: ${(err as Error).message}` };
  }
  const wanted = threads ?? 1;
  // an already initialised wasm backend (tf.findBackend would start initialising one)
  const initialised = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry.wasm !== undefined;
  const running = initialised ? wasm.getThreadsCount() : null;
  if (running !== null && wanted > 1 && running !== wanted) {
    return {
      backend: 'wasm',
      ok: false,
      installed: false,
      reason:
        `the wasm backend already runs with ${running} thread(s) in this process and its thread count cannot change; ` +
        `ask for ${wanted} threads before the first use of the wasm backend (e.g. in a new process)`,
    };
  }
  if (wanted > 1 && running === null) {
    try {
      await installThreadedWasm({ threads: wanted });
    } catch (err) {
      return { backend: 'wasm', ok: false, installed: false, reason: `the threaded wasm build failed to start: ${(err as Error).message}` };
    }
  }
  let ok = false;
  try {
    ok = await tf.setBackend('wasm');
  } catch (err) {
    return { backend: 'wasm', ok: false, reason: `the wasm backend failed to initialise: ${(err as Error).message}` };
  }
  if (!ok) return { backend: 'wasm', ok: false, reason: 'the wasm backend failed to initialise' };
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  return { backend: 'wasm', ok: true, reason: `WebAssembly backend ready (${simd ? 'SIMD' : 'no SIMD'}, ${wasm.getThreadsCount()} thread(s))` };
}

async function tryCpu(): Promise<BackendAttempt> {
  try {
    await import('@tensorflow/tfjs-backend-cpu');
  } catch (err) {
    return { backend: 'cpu', ok: false, reason: `@tensorflow/tfjs-backend-cpu failed to load: ${(err as Error).message}` };
  }
  const ok = await tf.setBackend('cpu');
  // initBackend already reports the choice and the alternatives; silence tfjs' own banner that
  // the cpu backend prints on its first write under Node.
  if (ok) (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return ok
    ? { backend: 'cpu', ok: true, reason: 'plain JavaScript backend ready' }
    : { backend: 'cpu', ok: false, reason: 'the cpu backend failed to initialise' };
}

async function attempt(backend: Exclude<BackendChoice, 'auto'>, options: InitBackendOptions): Promise<BackendAttempt> {
  switch (backend) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNode(backend);
    case 'wasm':
      return tryWasm(options.wasmThreads);
    case 'cpu':
      return tryCpu();
  }
}

async function describe(requested: BackendChoice, attempts: BackendAttempt[]): Promise<BackendInfo> {
  await tf.ready();
  // Fast matmul paths, missing wasm kernels and gradient fixes (idempotent).
  registerFastKernels(tf.getBackend());
  const chosen = attempts[attempts.length - 1] as BackendAttempt;
  let simd: boolean | undefined;
  let threads: number | undefined;
  if (chosen.backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    threads = wasm.getThreadsCount();
  }
  const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.backend}: ${a.reason}`);
  const summary =
    `backend ${chosen.backend} (${chosen.reason})` + (skipped.length > 0 ? `; skipped ${skipped.join('; ')}` : '');
  return {
    requested,
    backend: chosen.backend,
    tfjsBackend: tf.getBackend(),
    attempts,
    ...(simd === undefined ? {} : { simd }),
    ...(threads === undefined ? {} : { threads }),
    summary,
  };
}

const AUTO_ORDER: Exclude<BackendChoice, 'auto'>[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

/**
 * Selects and initialises the compute backend.
 *
 * `auto` tries `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (each only if the user
 * installed it), then the WebAssembly backend (SIMD where supported), then the plain JS `cpu`
 * backend, and reports which one runs and why the others were skipped. An explicit choice that is
 * not installed or cannot start throws {@link BackendUnavailableError} saying how to install it.
 * Once a backend runs, it installs the library's fast kernels and gradient fixes
 * ({@link registerFastKernels}: on wasm a fast GEMM for every matmul transpose case, the library's
 * SIMD kernels and the missing wasm kernels; correct broadcast matmul gradients everywhere).
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const requested = options.backend ?? 'auto';
  if (requested !== 'auto' && !(requested in INSTALL_HINT)) {
    throw new BackendUnavailableError(
      'cpu',
      `Unknown backend "${String(requested)}". Choose one of: auto, tensorflow-gpu, tensorflow, wasm, cpu.`,
    );
  }
  if (requested !== 'auto') {
    const result = await attempt(requested, options);
    if (!result.ok) {
      throw new BackendUnavailableError(
        requested,
        `Backend "${requested}" is not available: ${result.reason}.` +
          (result.installed === false ? '' : ` ${INSTALL_HINT[requested]}`),
      );
    }
    return describe(requested, [result]);
  }
  const attempts: BackendAttempt[] = [];
  for (const backend of AUTO_ORDER) {
    const result = await attempt(backend, options);
    attempts.push(result);
    if (result.ok) return describe('auto', attempts);
  }
  throw new BackendUnavailableError(
    'cpu',
    `No backend could start: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}. ${INSTALL_HINT.cpu}`,
  );
}
