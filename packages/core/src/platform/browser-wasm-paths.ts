import type { WasmBinaryName } from './runtime-platform';

/**
 * Where tfjs-wasm's binaries are by default in a browser: the copies in @ait/core's own
 * `dist/wasm/` folder, next to its browser bundle. Each URL is written as
 * `new URL('./wasm/<file>', import.meta.url)`, which vite and webpack 5 recognise: they copy the
 * file into the application's build and rewrite the URL. Bundlers that do not (esbuild) leave the
 * URL relative to the bundle, so the files must be served next to it, or `initBackend` given
 * `wasmPaths`.
 */
export function bundledWasmPaths(): Record<WasmBinaryName, string> {
  return {
    'tfjs-backend-wasm.wasm': new URL('./wasm/tfjs-backend-wasm.wasm', import.meta.url).href,
    'tfjs-backend-wasm-simd.wasm': new URL('./wasm/tfjs-backend-wasm-simd.wasm', import.meta.url).href,
    'tfjs-backend-wasm-threaded-simd.wasm': new URL('./wasm/tfjs-backend-wasm-threaded-simd.wasm', import.meta.url).href,
  };
}
