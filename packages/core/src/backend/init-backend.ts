import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import type * as WasmBackend from '@tensorflow/tfjs-backend-wasm';
import { gemmPoolFor, startGemmPool } from '../kernels/gemm-pool';
import { simdGemmTile, wasmRevectorize, type SimdGemmTile } from '../kernels/gemm-tile';
import { registerFastKernels } from '../kernels/register-fast-kernels';
import { prepareSimdKernels, simdKernelBuild, simdKernelsFor, type SimdKernelBuild } from '../kernels/simd-module';
import { asWasmBackend } from '../kernels/wasm-interop';
import { runtimePlatform, WASM_BINARY_NAMES, type WasmBinaryName, type WasmRevectorize } from '../platform/runtime-platform';
import { tryWebgpu } from './try-webgpu';

/** Backends `initBackend` can select. `auto` picks the fastest one that works here. */
export type BackendChoice = 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'webgpu' | 'wasm' | 'webgl' | 'cpu';

/** The WebGPU adapter the `webgpu` backend runs on. */
export interface WebGpuAdapterSummary {
  /** The adapter's name, e.g. `llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) (mesa, software)`. */
  readonly name: string;
  /**
   * Whether it computes on the CPU (lavapipe/llvmpipe, SwiftShader, a fallback adapter): correct
   * but slower than wasm. `auto` never selects one; an explicit `webgpu` does.
   */
  readonly software: boolean;
}

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
  /** The tfjs backend name that now runs (`tensorflow`, `webgpu`, `wasm`, `webgl` or `cpu`). */
  readonly tfjsBackend: string;
  /** Every backend tried, in order. */
  readonly attempts: readonly BackendAttempt[];
  /** For wasm: whether the SIMD binary runs. */
  readonly simd?: boolean;
  /**
   * For wasm: which build of @ait/core's SIMD kernels runs (`relaxed`: fused multiply-add in the
   * GEMM; `plain`; `none` where they cannot load and tfjs' own kernels run).
   */
  readonly simdKernels?: SimdKernelBuild | 'none';
  /**
   * For wasm: V8's WebAssembly revectorizer, which @ait/core turns on under Node where V8 is 13 or
   * newer (Node 24+) unless `AIT_WASM_REVECTORIZE=0`, and why it is on or off. When on, the
   * summary says so and the SIMD GEMM runs on 6 x 16 tiles.
   */
  readonly wasmRevectorize?: WasmRevectorize;
  /** For wasm: the register tile of @ait/core's SIMD GEMM (`6x16` where the revectorizer is on). */
  readonly gemmTile?: SimdGemmTile;
  /** For wasm: worker threads in use (1 under Node, which refuses tfjs-wasm's blob: workers). */
  readonly threads?: number;
  /** For webgpu: the adapter it runs on. */
  readonly webgpuAdapter?: WebGpuAdapterSummary;
  /** One-line human summary, e.g. for a CLI banner. */
  readonly summary: string;
}

/** Options for {@link initBackend}. */
export interface InitBackendOptions {
  /** Which backend to run; default `auto`. */
  backend?: BackendChoice;
  /**
   * wasm only: threads for matrix products, 1-8. Default: every core (at most 8) under Node, 1 in
   * a browser; where threads cannot start by default, one thread runs and the summary says why.
   * More than 1 (Node) starts tfjs-wasm's
   * threaded build (shared heap, XNNPACK kept at one thread) and a pool of `wasmThreads - 1`
   * worker threads that run @ait/core's SIMD GEMM beside the calling thread on products of more
   * than 2^19 multiply-adds; the workers sleep between products, and results are bit-identical
   * to one thread.
   */
  wasmThreads?: number;
  /**
   * wasm only: where tfjs-wasm's `.wasm` binaries are: a folder URL ending in `/` (e.g.
   * `'/assets/tfjs-wasm/'`), or one URL per binary file name. Default in a browser: the copies in
   * @ait/core's `dist/wasm/`, located next to its browser bundle (vite and webpack 5 copy them
   * into the build by themselves; with esbuild serve them next to the bundle or set this). Under
   * Node tfjs-wasm finds them itself. A binary that cannot be fetched is a
   * {@link BackendUnavailableError} that names the URL, never a silent fall-back.
   */
  wasmPaths?: string | Readonly<Record<WasmBinaryName, string>>;
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
  webgpu:
    "Under Node install Dawn's WebGPU next to @ait/core with `npm install webgpu`, plus the Vulkan loader and a " +
    "Vulkan driver: the GPU vendor's (NVIDIA's includes Vulkan), or `apt-get install libvulkan1 mesa-vulkan-drivers` " +
    '(Mesa 23 or later; on Debian 12 from bookworm-backports; without a GPU its lavapipe runs on the CPU). In a ' +
    'browser WebGPU needs a browser that has it on an https:// or localhost page. Or use backend "wasm" or "auto".',
  wasm: 'Reinstall @ait/core so that its dependency @tensorflow/tfjs-backend-wasm is present (`npm install @ait/core`).',
  webgl:
    'WebGL runs in a browser only (with WebGL 2 or 1 enabled); under Node use backend "wasm" or "auto". If this is ' +
    'a browser, reinstall @ait/core so that its dependency @tensorflow/tfjs-backend-webgl is present.',
  cpu: 'Reinstall @ait/core so that its dependency @tensorflow/tfjs-backend-cpu is present (`npm install @ait/core`).',
};

async function tryNode(backend: 'tensorflow-gpu' | 'tensorflow'): Promise<BackendAttempt> {
  const pkg = NODE_PACKAGES[backend];
  const load = await runtimePlatform().loadNativeBackend(pkg);
  if (!load.loaded) {
    return { backend, ok: false, reason: load.reason, ...(load.installed === undefined ? {} : { installed: load.installed }) };
  }
  const ok = await tf.setBackend('tensorflow');
  return ok
    ? { backend, ok: true, reason: `${pkg} loaded` }
    : { backend, ok: false, reason: `${pkg} loaded but the "tensorflow" backend failed to initialise` };
}

/** Attempts whose failure ends `auto`'s search (a misconfiguration, not a missing capability). */
const fatalAttempts = new WeakSet<BackendAttempt>();

function markFatal(attempt: BackendAttempt): BackendAttempt {
  fatalAttempts.add(attempt);
  return attempt;
}

function wasmBinaryFor(simd: boolean, threaded: boolean): WasmBinaryName {
  if (simd && threaded) return 'tfjs-backend-wasm-threaded-simd.wasm';
  return simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
}

function wasmFileMap(paths: string | Readonly<Record<WasmBinaryName, string>>): Record<WasmBinaryName, string> {
  if (typeof paths === 'string') {
    const prefix = paths.endsWith('/') ? paths : `${paths}/`;
    return Object.fromEntries(WASM_BINARY_NAMES.map((name) => [name, prefix + name])) as Record<WasmBinaryName, string>;
  }
  const missing = WASM_BINARY_NAMES.filter((name) => typeof paths[name] !== 'string');
  if (missing.length > 0) {
    throw new BackendUnavailableError(
      'wasm',
      `initBackend: wasmPaths lacks ${missing.join(', ')}; give a URL for each of ${WASM_BINARY_NAMES.join(', ')}, ` +
        'or one folder URL ending in "/".',
    );
  }
  return { ...paths };
}

/**
 * Points tfjs-wasm at its binaries (before the backend first starts) and, where `fetch` exists,
 * checks that the one this runtime will load is there, so that a wrong location is an error that
 * names the URL instead of tfjs-wasm's silent fall-back.
 */
/** `url` resolved against the page's address where there is one (for messages and fetch alike). */
function absoluteUrl(url: string): string {
  try {
    return new URL(url, (globalThis as { location?: { href: string } }).location?.href).href;
  } catch {
    return url;
  }
}

async function locateWasmBinaries(wasm: typeof WasmBackend, options: InitBackendOptions): Promise<BackendAttempt | null> {
  const paths = options.wasmPaths ?? runtimePlatform().defaultWasmPaths();
  if (paths === undefined) return null;
  const files = wasmFileMap(paths);
  wasm.setWasmPaths(files);
  const fetchFn = (globalThis as { fetch?: (url: string) => Promise<{ ok: boolean; status: number; statusText: string }> }).fetch;
  if (runtimePlatform().name !== 'browser' || !fetchFn) return null;
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threaded = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const file = wasmBinaryFor(Boolean(simd), Boolean(threaded));
  const url = absoluteUrl(files[file]);
  let problem: string | null = null;
  try {
    const response = await fetchFn(url);
    if (!response.ok) problem = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  } catch (err) {
    problem = (err as Error).message;
  }
  if (problem === null) return null;
  return markFatal({
    backend: 'wasm',
    ok: false,
    installed: false,
    reason:
      `tfjs-wasm's binary ${file} could not be fetched from ${url} (${problem}). Serve the .wasm files of ` +
      '@ait/core/dist/wasm/ (or @tensorflow/tfjs-backend-wasm/dist/) at that address, or pass ' +
      'initBackend({ wasmPaths: "<folder URL>/" }) with the folder that holds them',
  });
}

/** Why `wasmThreads` is not a valid thread count, or null when it is valid or unset. */
function wasmThreadsProblem(threads: number | undefined): string | null {
  if (threads === undefined || (Number.isInteger(threads) && threads >= 1 && threads <= 8)) return null;
  return `wasmThreads must be an integer from 1 to 8 (tfjs-wasm's threaded build takes 1-8), got ${String(threads)}`;
}

async function tryWasm(options: InitBackendOptions): Promise<BackendAttempt> {
  const threads = options.wasmThreads;
  let wasm: typeof WasmBackend;
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    return { backend: 'wasm', ok: false, reason: `@tensorflow/tfjs-backend-wasm failed to load: ${(err as Error).message}` };
  }
  const threadsProblem = wasmThreadsProblem(threads);
  if (threadsProblem !== null) return markFatal({ backend: 'wasm', ok: false, installed: false, reason: threadsProblem });
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
    return {
      backend: 'wasm',
      ok: false,
      installed: false,
      reason:
        `the wasm backend already runs with ${running} thread(s) in this process and its thread count cannot change; ` +
        `ask for ${wanted} threads before the first use of the wasm backend (e.g. in a new process)`,
    };
  }
  const install = runtimePlatform().installThreadedWasm;
  const start = runtimePlatform().startGemmWorker;
  // a threaded build installed by hand (installThreadedWasm) runs as it was set up
  if (running === null && !explicit && runtimePlatform().installedThreadedWasm?.() != null) wanted = 1;
  if (wanted > 1 && running === null && (!install || !start || typeof SharedArrayBuffer === 'undefined')) {
    if (explicit) {
      return {
        backend: 'wasm',
        ok: false,
        installed: false,
        reason:
          `wasmThreads ${wanted} needs worker threads, which @ait/core starts under Node only; in a browser ` +
          'tfjs-wasm uses threads by itself on cross-origin-isolated pages, so leave wasmThreads unset',
      };
    }
    wanted = 1;
  }
  if (wanted > 1 && running === null && install) {
    try {
      // XNNPACK's own pool stays at one thread (its threads spin while they wait); the threads
      // asked for run @ait/core's GEMM pool, whose workers sleep
      await install(1);
    } catch (err) {
      if (explicit) {
        return {
          backend: 'wasm',
          ok: false,
          installed: false,
          reason: `the threaded wasm build failed to start: ${(err as Error).message}`,
        };
      }
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
      if (explicit) {
        return {
          backend: 'wasm',
          ok: false,
          installed: false,
          reason: `the GEMM worker threads failed to start: ${(err as Error).message}`,
        };
      }
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
function wasmThreadsRunning(wasm: typeof WasmBackend): number {
  const instance = tf.engine().registry.wasm;
  const pool = instance ? gemmPoolFor(asWasmBackend(instance)) : undefined;
  return pool?.threads ?? wasm.getThreadsCount();
}

async function tryWebgl(): Promise<BackendAttempt> {
  if (runtimePlatform().name !== 'browser') {
    return { backend: 'webgl', ok: false, reason: 'WebGL is not available under Node (it needs a browser)' };
  }
  try {
    await import('@tensorflow/tfjs-backend-webgl');
  } catch (err) {
    return { backend: 'webgl', ok: false, reason: `@tensorflow/tfjs-backend-webgl failed to load: ${(err as Error).message}` };
  }
  let ok = false;
  try {
    ok = await tf.setBackend('webgl');
  } catch (err) {
    return { backend: 'webgl', ok: false, installed: false, reason: `WebGL failed to start: ${(err as Error).message}` };
  }
  if (!ok) {
    return { backend: 'webgl', ok: false, installed: false, reason: 'this browser has no usable WebGL (disabled, or no GPU driver)' };
  }
  const version = tf.env().getNumber('WEBGL_VERSION');
  return { backend: 'webgl', ok: true, reason: `WebGL ${version} backend ready` };
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

/** The adapter of the last successful webgpu attempt, for {@link describe}. */
const webgpuAdapters = new WeakMap<BackendAttempt, WebGpuAdapterSummary>();

/** `auto`: a hardware adapter only; an explicit `webgpu`: a software one too. */
async function tryWebgpuBackend(explicit: boolean): Promise<BackendAttempt> {
  const result = await tryWebgpu(explicit);
  const attempt: BackendAttempt = {
    backend: 'webgpu',
    ok: result.ok,
    reason: result.reason,
    ...(result.installed === undefined ? {} : { installed: result.installed }),
  };
  if (result.ok && result.adapter) webgpuAdapters.set(attempt, { name: result.adapter.name, software: result.adapter.software });
  return attempt;
}

async function attempt(backend: Exclude<BackendChoice, 'auto'>, options: InitBackendOptions, explicit: boolean): Promise<BackendAttempt> {
  switch (backend) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNode(backend);
    case 'webgpu':
      return tryWebgpuBackend(explicit);
    case 'wasm':
      return tryWasm(options);
    case 'webgl':
      return tryWebgl();
    case 'cpu':
      return tryCpu();
  }
}

async function describe(requested: BackendChoice, attempts: BackendAttempt[]): Promise<BackendInfo> {
  await tf.ready();
  // The library's SIMD kernels, compiled asynchronously (a browser's main thread refuses to
  // compile them synchronously), before registerFastKernels decides which kernels to install.
  if (tf.getBackend() === 'wasm') await prepareSimdKernels(tf.backend());
  // Fast matmul paths, missing wasm kernels and gradient fixes (idempotent).
  registerFastKernels(tf.getBackend());
  const chosen = attempts[attempts.length - 1] as BackendAttempt;
  let simd: boolean | undefined;
  let threads: number | undefined;
  let simdKernels: SimdKernelBuild | 'none' | undefined;
  let revectorize: WasmRevectorize | undefined;
  let gemmTile: SimdGemmTile | undefined;
  if (chosen.backend === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    threads = wasmThreadsRunning(wasm);
    simdKernels = simdKernelsFor(asWasmBackend(tf.backend())) ? simdKernelBuild() : 'none';
    revectorize = wasmRevectorize();
    if (simdKernels !== 'none') gemmTile = simdGemmTile();
  }
  const webgpuAdapter = webgpuAdapters.get(chosen);
  const skipped = attempts.filter((a) => !a.ok).map((a) => `${a.backend}: ${a.reason}`);
  const fastPath = revectorize?.enabled
    ? `; V8 wasm revectorizer on${gemmTile ? `, ${gemmTile} GEMM tiles` : ''} (AIT_WASM_REVECTORIZE=0 turns it off)`
    : '';
  const summary = `backend ${chosen.backend} (${chosen.reason})${fastPath}` + (skipped.length > 0 ? `; skipped ${skipped.join('; ')}` : '');
  return {
    requested,
    backend: chosen.backend,
    tfjsBackend: tf.getBackend(),
    attempts,
    ...(simd === undefined ? {} : { simd }),
    ...(threads === undefined ? {} : { threads }),
    ...(simdKernels === undefined ? {} : { simdKernels }),
    ...(revectorize === undefined ? {} : { wasmRevectorize: revectorize }),
    ...(gemmTile === undefined ? {} : { gemmTile }),
    ...(webgpuAdapter === undefined ? {} : { webgpuAdapter }),
    summary,
  };
}

const AUTO_ORDER: Exclude<BackendChoice, 'auto'>[] = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'webgl', 'cpu'];

/**
 * Selects and initialises the compute backend.
 *
 * `auto` tries `@tensorflow/tfjs-node-gpu`, then `@tensorflow/tfjs-node` (under Node, each only if
 * the user installed it; in a browser they are reported as not available there), then WebGPU on a
 * GPU (tfjs-backend-webgpu; under Node only with the optional `webgpu` package installed and a
 * Vulkan/Metal/D3D12 driver; a software adapter such as lavapipe or SwiftShader is skipped, as it
 * computes on the CPU), then the WebAssembly backend (SIMD where supported), then WebGL (browsers
 * only), then the plain JS `cpu` backend, and reports which one runs and why the others were
 * skipped. An explicit `webgpu` also takes a software adapter (the summary says so). A wasm binary that cannot
 * be fetched (see `wasmPaths`) stops the search with an error rather than falling back. An explicit choice that is
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
      `Unknown backend "${String(requested)}". Choose one of: auto, tensorflow-gpu, tensorflow, webgpu, wasm, webgl, cpu.`,
    );
  }
  if (requested !== 'auto') {
    const result = await attempt(requested, options, true);
    if (!result.ok) {
      throw new BackendUnavailableError(
        requested,
        `Backend "${requested}" is not available: ${result.reason}.` + (result.installed === false ? '' : ` ${INSTALL_HINT[requested]}`),
      );
    }
    return describe(requested, [result]);
  }
  // a bad wasm option is an error under auto too, even where a backend before wasm would start
  const threadsProblem = wasmThreadsProblem(options.wasmThreads);
  if (threadsProblem !== null) throw new BackendUnavailableError('wasm', `Backend "wasm" is not available: ${threadsProblem}.`);
  const attempts: BackendAttempt[] = [];
  for (const backend of AUTO_ORDER) {
    const result = await attempt(backend, options, false);
    attempts.push(result);
    if (result.ok) return describe('auto', attempts);
    if (fatalAttempts.has(result)) {
      throw new BackendUnavailableError(backend, `Backend "${backend}" is not available: ${result.reason}.`);
    }
  }
  throw new BackendUnavailableError(
    'cpu',
    `No backend could start: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}. ${INSTALL_HINT.cpu}`,
  );
}
