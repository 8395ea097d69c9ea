import type { SimdGemmTile } from '../kernels/wasm/gemm-tile';
import type { SimdKernelBuild } from '../kernels/wasm/simd-module';
import type { WasmBinaryName, WasmRevectorize } from '../platform/runtime-platform';

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
