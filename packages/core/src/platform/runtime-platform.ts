import type { CheckpointStore } from '../checkpoint/checkpoint-store';
import type { StartGemmWorker } from '../kernels/wasm/gemm-worker';
import type { WebGpuAdapterInfo, WebGpuEntry } from '../webgpu/webgpu-types';

/** What loading an optional native tfjs backend package (`@tensorflow/tfjs-node(-gpu)`) gave. */
export type NativeBackendLoad =
  | { readonly loaded: true }
  | {
      readonly loaded: false;
      /** Why it did not load, in words. */
      readonly reason: string;
      /** `false` when the package is there but cannot start (reinstalling will not help). */
      readonly installed?: boolean;
    };

/** What looking for WebGPU on this platform gave (see {@link RuntimePlatform.loadWebGpu}). */
export type WebGpuLoad =
  | {
      readonly loaded: true;
      /** The WebGPU entry point (`navigator.gpu` or its Node equivalent). */
      readonly gpu: WebGpuEntry;
      /** Where it comes from, in words (e.g. `the webgpu package (Dawn)`). */
      readonly source: string;
      /** What to install or change when `gpu` finds no adapter (e.g. a Vulkan driver). */
      readonly noAdapterHint: string;
      /**
       * Makes `gpu` what tfjs-backend-webgpu sees (`navigator.gpu` and the `GPUBufferUsage`-style
       * constants); call before importing tfjs-backend-webgpu. Idempotent.
       */
      install(): void;
    }
  | {
      readonly loaded: false;
      /** Why there is no WebGPU, in words. */
      readonly reason: string;
      /** `false` when the package is there but cannot start (reinstalling will not help). */
      readonly installed?: boolean;
    };

/**
 * What a look for a WebGPU adapter outside this process found ({@link RuntimePlatform.probeWebGpuAdapter}):
 * the adapter's info (`found: 'adapter'`), no adapter, WebGPU that cannot start (`unavailable`), or
 * `unknown` when the probe could not run and the caller should look in this process instead.
 */
export type WebGpuAdapterProbe =
  | { readonly found: 'adapter'; readonly adapter: WebGpuAdapterInfo }
  | { readonly found: 'none'; readonly source: string; readonly noAdapterHint: string }
  | { readonly found: 'unavailable'; readonly reason: string; readonly installed?: boolean }
  | { readonly found: 'unknown'; readonly reason: string };

/**
 * Whether V8's WebAssembly revectorizer (`--experimental-wasm-revectorize`: pairs of 128-bit SIMD
 * operations on adjacent data fused into 256-bit ones) is on for modules compiled from now on.
 */
export interface WasmRevectorize {
  /** True where @ait/core turned it on (or found it on) and runs its GEMM on 6 x 16 tiles. */
  readonly enabled: boolean;
  /** Why, in words (e.g. `V8 13.6 (Node v24.22.3): set at run time`, or why it is off). */
  readonly reason: string;
}

/**
 * The few things @ait/core does differently in Node and in a browser. Each entry of the package
 * installs its own: the Node entry (`dist/index.js`, chosen by Node's `node`/`import`/`require`
 * conditions) the file-system one, the browser entry (`dist/browser.js`, chosen by bundlers through
 * the `browser` condition) the IndexedDB one, so that no browser bundle ever reaches a Node
 * built-in.
 */
export interface RuntimePlatform {
  /** `node` or `browser`. */
  readonly name: 'node' | 'browser';
  /** SHA-256 digest of `bytes` (32 bytes), computed synchronously. */
  sha256(bytes: Uint8Array): Uint8Array;
  /** Where `saveCheckpoint` / `loadCheckpoint` / the Trainer keep checkpoints by path. */
  readonly checkpoints: CheckpointStore;
  /** Joins a directory and a file name into a checkpoint path. */
  joinPath(dir: string, name: string): string;
  /** Loads an optional native backend package (registers the `tensorflow` tfjs backend). */
  loadNativeBackend(packageName: string): Promise<NativeBackendLoad>;
  /**
   * Where tfjs-wasm's `.wasm` binaries are, when the platform must say so (a browser: next to
   * @ait/core's browser bundle); `undefined` lets tfjs-wasm find them itself (Node).
   */
  defaultWasmPaths(): Readonly<Record<WasmBinaryName, string>> | undefined;
  /**
   * Turns on relaxed WebAssembly SIMD in an engine that has it behind a flag (V8 before 11.4, as in
   * Node 20); returns whether it did. Called only when `WebAssembly.validate` refused the build.
   */
  readonly enableRelaxedSimd?: () => boolean;
  /** `false` when the user turned relaxed SIMD off (Node: `AIT_WASM_RELAXED_SIMD=0`). */
  readonly relaxedSimdAllowed?: () => boolean;
  /**
   * Turns on V8's WebAssembly revectorizer where the engine has it and the user allows it (Node:
   * V8 13 or newer, as in Node 24, unless `AIT_WASM_REVECTORIZE=0`), before the SIMD kernels and
   * tfjs-wasm compile; decided on the first call, the same answer after. Without this hook it is
   * off.
   */
  readonly wasmRevectorize?: () => WasmRevectorize;
  /**
   * Threads the wasm backend computes with when `initBackend` is not told (`wasmThreads`): the
   * cores (at most 8) under Node, 1 in a browser.
   */
  defaultWasmThreads(): number;
  /** Starts a worker thread of the GEMM pool, where the platform can (Node: worker_threads). */
  readonly startGemmWorker?: StartGemmWorker;
  /** XNNPACK threads of a threaded build installed by hand (`installThreadedWasm`), or null. */
  readonly installedThreadedWasm?: () => number | null;
  /** Starts tfjs-wasm's threaded build with `threads` workers, where the platform can. */
  readonly installThreadedWasm?: (threads: number) => Promise<void>;
  /**
   * Finds WebGPU: under Node the optional `webgpu` package (Dawn), found from the application's
   * folder, with the adapter fix tfjs-backend-webgpu 4.22 needs there; in a browser its own
   * `navigator.gpu`. Without this hook `initBackend` uses `globalThis.navigator.gpu` if any.
   */
  readonly loadWebGpu?: () => Promise<WebGpuLoad>;
  /**
   * Asks for the adapter {@link loadWebGpu}'s WebGPU would give, without loading WebGPU into this
   * process (Node: Dawn in a child process, whose output is read, so that what the drivers print
   * while Dawn enumerates them stays off the terminal when WebGPU is only probed). Absent where
   * WebGPU can only be looked at in place (browsers).
   */
  readonly probeWebGpuAdapter?: () => Promise<WebGpuAdapterProbe>;
}

/** The file names of tfjs-wasm's three binaries. */
export const WASM_BINARY_NAMES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'] as const;

/** One of {@link WASM_BINARY_NAMES}. */
export type WasmBinaryName = (typeof WASM_BINARY_NAMES)[number];

let current: RuntimePlatform | undefined;

/** Installs the runtime platform; called once by each entry of @ait/core when it is imported. */
export function setRuntimePlatform(platform: RuntimePlatform): void {
  current = platform;
}

/** The installed runtime platform, or `undefined` when neither entry of @ait/core was loaded. */
export function currentRuntimePlatform(): RuntimePlatform | undefined {
  return current;
}

/**
 * The runtime platform @ait/core runs on (`node` or `browser`). Throws when @ait/core's modules
 * were loaded without either entry (a deep import of its sources), which cannot work.
 */
export function runtimePlatform(): RuntimePlatform {
  if (!current) {
    throw new Error(
      '@ait/core: no runtime platform is installed. Import "@ait/core" itself (its Node or browser entry), ' +
        'not a file inside the package.',
    );
  }
  return current;
}
