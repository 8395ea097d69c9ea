import {
  SIMD_KERNELS_WASM,
  SIMD_KERNELS_WASM_RELAXED,
  SIMD_KERNELS_WASM_RELAXED_SHARED,
  SIMD_KERNELS_WASM_SHARED,
} from '../../../generated/simd-kernels-wasm';
import { SIMD_KERNEL_NAMES, type SimdKernelExports } from '../../../generated/simd-kernels-types';
import { currentRuntimePlatform } from '../../platform/runtime-platform';
import { wasmRevectorize } from './gemm-tile';
import { asWasmBackend, type WasmBackendInternals } from './wasm-interop';

/**
 * @ait/core's WebAssembly SIMD kernels (source: `assembly/`, AssemblyScript), instantiated on
 * tfjs-backend-wasm's own heap: every argument named like a tensor is the byte offset of float32
 * (or, for `transposeBatched` and `copyRows`, any) data on that heap. They allocate nothing and
 * run on the calling thread. The members and their documentation are generated from the
 * AssemblyScript source by `scripts/build-simd.mjs` (`generated/simd-kernels-types.ts`), so the
 * typings cannot drift from the module.
 */
export type SimdKernels = SimdKernelExports;

/** Section ids of a WebAssembly binary (to check that a module has no data or start section). */
export function wasmSectionIds(bytes: Uint8Array): number[] {
  const ids: number[] = [];
  let i = 8;
  while (i < bytes.length) {
    ids.push(bytes[i++] as number);
    let size = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[i++] as number;
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    i += size;
  }
  return ids;
}

function decodeBase64(text: string): Uint8Array {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** The parts of the WebAssembly JS API used here (this package's TypeScript lib has no DOM types). */
interface WebAssemblyApi {
  Memory: abstract new (...args: never[]) => { readonly buffer: ArrayBuffer | SharedArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, unknown> };
  validate(bytes: Uint8Array): boolean;
  instantiate(
    bytes: Uint8Array,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}

const webAssembly = (globalThis as unknown as { WebAssembly?: WebAssemblyApi }).WebAssembly;

type WasmMemory = InstanceType<WebAssemblyApi['Memory']>;

/** The heap of tfjs-wasm's Emscripten module: `asm.memory` (plain build) or `wasmMemory` (threaded). */
function heapMemory(wasm: object): WasmMemory | null {
  const m = wasm as { asm?: { memory?: unknown }; wasmMemory?: unknown };
  const memory = m.asm?.memory ?? m.wasmMemory;
  return webAssembly && memory instanceof webAssembly.Memory ? memory : null;
}

let instances = new WeakMap<object, SimdKernels | null>();

/**
 * The SIMD kernels for this wasm backend's heap, instantiated once per heap; null where they
 * cannot run (no WebAssembly SIMD, the heap not reachable in this tfjs-wasm version, or a
 * synchronous compile refused, as on a browser's main thread): callers then use their
 * JavaScript or tfjs path.
 */
export function simdKernelsFor(backend: WasmBackendInternals): SimdKernels | null {
  const key = backend.wasm as object;
  const cached = instances.get(key);
  if (cached !== undefined) return cached;
  let kernels: SimdKernels | null = null;
  const module = kernelModuleFor(key);
  if (module && webAssembly) {
    try {
      kernels = checkedExports(new webAssembly.Instance(new webAssembly.Module(module.bytes), { env: { memory: module.memory } }).exports);
    } catch {
      kernels = null;
    }
  }
  instances.set(key, kernels);
  return kernels;
}

/**
 * Which build of the SIMD kernels runs: `relaxed` (relaxed SIMD: the GEMM uses fused
 * multiply-add, results may differ from `plain` in the last bit) or `plain` (SIMD only).
 */
export type SimdKernelBuild = 'plain' | 'relaxed';

let requestedBuild: SimdKernelBuild | 'auto' = 'auto';
let relaxedSupport: boolean | undefined;

/**
 * Whether this runtime runs the relaxed-SIMD build: checked once with `WebAssembly.validate`; on
 * Node 20, whose V8 has relaxed SIMD behind a flag, the Node entry sets the flag first. False when
 * the environment variable `AIT_WASM_RELAXED_SIMD=0` turns it off (Node) or the runtime lacks it
 * (Safari).
 */
export function relaxedSimdSupported(): boolean {
  if (relaxedSupport !== undefined) return relaxedSupport;
  const bytes = decodeBase64(SIMD_KERNELS_WASM_RELAXED);
  const platform = currentRuntimePlatform();
  let ok = false;
  if (webAssembly && platform?.relaxedSimdAllowed?.() !== false) {
    ok = webAssembly.validate(bytes);
    if (!ok && platform?.enableRelaxedSimd?.()) ok = webAssembly.validate(bytes);
  }
  relaxedSupport = ok;
  return ok;
}

/**
 * Chooses the build of the SIMD kernels: `auto` (default) takes the relaxed build where
 * {@link relaxedSimdSupported}, else the plain one. The kernels are instantiated again on their
 * next use (they keep no state, so this is safe at any time between two operations), e.g. to
 * compare the builds in a test or a benchmark. Asking for `relaxed` where it is unsupported throws.
 */
export function setSimdKernelBuild(build: SimdKernelBuild | 'auto'): void {
  if (build === 'relaxed' && !relaxedSimdSupported()) {
    throw new Error('setSimdKernelBuild: this runtime has no relaxed WebAssembly SIMD; use "plain" or "auto".');
  }
  requestedBuild = build;
  instances = new WeakMap();
}

/** The build of the SIMD kernels that new wasm heaps get (see {@link setSimdKernelBuild}). */
export function simdKernelBuild(): SimdKernelBuild {
  if (requestedBuild !== 'auto') return requestedBuild;
  return relaxedSimdSupported() ? 'relaxed' : 'plain';
}

/** The heap and the kernel module's bytes for it (shared-memory build for a shared heap). */
function kernelModuleFor(key: object): { memory: WasmMemory; bytes: Uint8Array } | null {
  const memory = heapMemory(key);
  if (!memory || !webAssembly) return null;
  // V8's revectorizer, where the runtime turns it on, must be on before the module compiles
  wasmRevectorize();
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const relaxed = simdKernelBuild() === 'relaxed';
  const bytes = decodeBase64(
    relaxed
      ? shared
        ? SIMD_KERNELS_WASM_RELAXED_SHARED
        : SIMD_KERNELS_WASM_RELAXED
      : shared
        ? SIMD_KERNELS_WASM_SHARED
        : SIMD_KERNELS_WASM,
  );
  // a data or start section would write into tfjs' heap when instantiated: refuse such a build
  const ids = wasmSectionIds(bytes);
  if (ids.includes(8) || ids.includes(11)) {
    throw new Error('simd kernels: the generated module has a start or data section; rebuild it with scripts/build-simd.mjs.');
  }
  return { memory, bytes };
}

function checkedExports(exported: Record<string, unknown>): SimdKernels | null {
  return SIMD_KERNEL_NAMES.every((name) => typeof exported[name] === 'function') ? (exported as unknown as SimdKernels) : null;
}

/**
 * Compiles and instantiates the SIMD kernels for this wasm backend's heap asynchronously, so that
 * {@link simdKernelsFor} finds them ready. Needed on a browser's main thread, which refuses to
 * compile modules of more than 4 KB synchronously; harmless elsewhere. `initBackend` calls it.
 */
export async function prepareSimdKernels(backendRaw: unknown): Promise<void> {
  const backend = asWasmBackend(backendRaw);
  const key = backend.wasm as object;
  if (instances.has(key)) return;
  const module = kernelModuleFor(key);
  let kernels: SimdKernels | null = null;
  if (module && webAssembly) {
    try {
      const { instance } = await webAssembly.instantiate(module.bytes, { env: { memory: module.memory } });
      kernels = checkedExports(instance.exports);
    } catch {
      kernels = null;
    }
  }
  if (!instances.has(key)) instances.set(key, kernels);
}

/**
 * The compiled SIMD kernels (the build {@link simdKernelBuild} picks) and the heap they run on,
 * for worker threads that instantiate them on the same memory; null unless the heap is shared
 * (tfjs-wasm's threaded build) and the kernels compile here.
 */
export function sharedKernelModuleFor(backend: WasmBackendInternals): { module: object; memory: object } | null {
  const found = kernelModuleFor(backend.wasm as object);
  if (!found || !webAssembly) return null;
  if (typeof SharedArrayBuffer === 'undefined' || !(found.memory.buffer instanceof SharedArrayBuffer)) return null;
  try {
    return { module: new webAssembly.Module(found.bytes), memory: found.memory };
  } catch {
    return null;
  }
}

/**
 * The typed wasm backend and its SIMD kernels, for a kernel that is registered only where they
 * run; throws an Error naming `kernelName` otherwise.
 */
export function requireSimdKernels(backendRaw: unknown, kernelName: string): { backend: WasmBackendInternals; simd: SimdKernels } {
  const backend = asWasmBackend(backendRaw);
  const simd = simdKernelsFor(backend);
  if (!simd) throw new Error(`${kernelName}: the SIMD kernels are not available on this wasm backend.`);
  return { backend, simd };
}
