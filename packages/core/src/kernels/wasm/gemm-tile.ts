import { currentRuntimePlatform, type WasmRevectorize } from '../../platform/runtime-platform';

/**
 * The register tile of @ait/core's SIMD GEMM: `4x8` (`gemm`; 8 accumulators, what V8
 * keeps in registers without the revectorizer) or `6x16` (`gemmWide`; 24 accumulators of
 * 128 bits, which V8's revectorizer turns into 12 of 256 bits: about twice the GFLOP/s on Node 24,
 * but they spill without it). Both compute the same products; results differ in the last bits
 * where k is longer than one k block.
 */
export type SimdGemmTile = '4x8' | '6x16';

const NO_HOOK: WasmRevectorize = { enabled: false, reason: 'off: this runtime offers no way to turn it on' };

/**
 * Whether V8's WebAssembly revectorizer is on for modules compiled from now on. The first call
 * decides: under Node it sets `--experimental-wasm-revectorize` where V8 is 13 or newer on x64
 * (Node 24+), unless the environment variable `AIT_WASM_REVECTORIZE=0` turns it off; in a browser
 * it is off. `initBackend` calls it before tfjs-wasm and the SIMD kernels compile, and reports it
 * in `BackendInfo.wasmRevectorize`.
 */
export function wasmRevectorize(): WasmRevectorize {
  return currentRuntimePlatform()?.wasmRevectorize?.() ?? NO_HOOK;
}

let requested: SimdGemmTile | 'auto' = 'auto';

/**
 * Chooses the register tile of the SIMD GEMM: `auto` (default) takes `6x16` where
 * {@link wasmRevectorize} is on and `4x8` elsewhere. Both are correct everywhere (e.g. to compare
 * them in a test or a benchmark); `6x16` is fast only with the revectorizer. Takes effect from the
 * next product.
 */
export function setSimdGemmTile(tile: SimdGemmTile | 'auto'): void {
  if (tile !== 'auto' && tile !== '4x8' && tile !== '6x16') {
    throw new Error(`setSimdGemmTile: unknown tile "${String(tile)}"; choose "4x8", "6x16" or "auto".`);
  }
  requested = tile;
}

/** The register tile the SIMD GEMM runs with now (see {@link setSimdGemmTile}). */
export function simdGemmTile(): SimdGemmTile {
  if (requested !== 'auto') return requested;
  return wasmRevectorize().enabled ? '6x16' : '4x8';
}

/** Rows of C that one tile covers (the GEMM pool cuts products into chunks of a multiple of it). */
export function gemmTileRows(tile: SimdGemmTile): number {
  return tile === '6x16' ? 6 : 4;
}
