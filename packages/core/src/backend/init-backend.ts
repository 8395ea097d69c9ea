import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';
import { simdGemmTile, wasmRevectorize, type SimdGemmTile } from '../kernels/wasm/gemm-tile';
import { registerFastKernels } from '../kernels/register-fast-kernels';
import { prepareSimdKernels, simdKernelBuild, simdKernelsFor, type SimdKernelBuild } from '../kernels/wasm/simd-module';
import { asWasmBackend } from '../kernels/wasm/wasm-interop';
import type { WasmRevectorize } from '../platform/runtime-platform';
import { attemptBackend, webgpuAdapterOf } from './backend-attempts';
import {
  BackendUnavailableError,
  type BackendAttempt,
  type BackendChoice,
  type BackendInfo,
  type InitBackendOptions,
} from './backend-choice';
import { isFatalAttempt } from './fatal-attempts';
import { wasmThreadsProblem, wasmThreadsRunning } from './try-wasm';

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
  const webgpuAdapter = webgpuAdapterOf(chosen);
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
 *
 * @example
 * ```ts
 * import { initBackend } from '@ait/core';
 *
 * // 'auto' (the default): the fastest backend installed here; the summary says which one and why
 * const info = await initBackend();
 * console.log(info.summary); // "backend wasm (WebAssembly backend ready (SIMD, ...)); skipped tensorflow-gpu: ..."
 * // or name one: await initBackend({ backend: 'cpu' });
 * ```
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
    const result = await attemptBackend(requested, options, true);
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
    const result = await attemptBackend(backend, options, false);
    attempts.push(result);
    if (result.ok) return describe('auto', attempts);
    if (isFatalAttempt(result)) {
      throw new BackendUnavailableError(backend, `Backend "${backend}" is not available: ${result.reason}.`);
    }
  }
  throw new BackendUnavailableError(
    'cpu',
    `No backend could start: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}. ${INSTALL_HINT.cpu}`,
  );
}
