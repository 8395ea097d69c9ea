import * as tf from '@tensorflow/tfjs-core';
import type * as WasmBackend from '@tensorflow/tfjs-backend-wasm';
import { runtimePlatform, WASM_BINARY_NAMES, type WasmBinaryName } from '../platform/runtime-platform';
import { BackendUnavailableError, type BackendAttempt, type InitBackendOptions } from './backend-choice';
import { markFatal } from './fatal-attempts';

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

/** `url` resolved against the page's address where there is one (for messages and fetch alike). */
function absoluteUrl(url: string): string {
  try {
    return new URL(url, (globalThis as { location?: { href: string } }).location?.href).href;
  } catch {
    return url;
  }
}

/**
 * Points tfjs-wasm at its binaries (before the backend first starts) and, where `fetch` exists,
 * checks that the one this runtime will load is there, so that a wrong location is a failed
 * attempt (marked fatal: `auto` stops there) that names the URL instead of tfjs-wasm's silent
 * fall-back. Returns `null` when nothing is wrong or nothing can be checked.
 */
export async function locateWasmBinaries(wasm: typeof WasmBackend, options: InitBackendOptions): Promise<BackendAttempt | null> {
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
