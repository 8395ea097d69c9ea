import { sha256 } from '@noble/hashes/sha2';
import { indexedDbCheckpointStore, normalizeCheckpointPath } from '../checkpoint/indexeddb-checkpoint-store';
import { bundledWasmPaths } from './browser-wasm-paths';
import type { WebGpuEntry } from '../webgpu/webgpu-types';
import type { RuntimePlatform, WebGpuLoad } from './runtime-platform';

/** The browser's own WebGPU (`navigator.gpu`), or why it has none. */
async function browserWebGpu(): Promise<WebGpuLoad> {
  const g = globalThis as { navigator?: { gpu?: WebGpuEntry }; isSecureContext?: boolean };
  const gpu = g.navigator?.gpu;
  if (gpu) {
    return {
      loaded: true,
      gpu,
      source: "the browser's WebGPU",
      noAdapterHint:
        'the browser offers WebGPU but no adapter: its GPU or driver may be blocked or WebGPU turned off (see chrome://gpu or about:support)',
      install: () => undefined,
    };
  }
  if (g.isSecureContext === false) {
    return {
      loaded: false,
      installed: false,
      reason: 'this page is not a secure context, and browsers offer WebGPU (navigator.gpu) to https:// and localhost pages only',
    };
  }
  return {
    loaded: false,
    installed: false,
    reason:
      'this browser has no WebGPU (navigator.gpu is missing; Chrome and Edge 113+, Safari 26 and Firefox 141+ on Windows have it, where the GPU driver is not blocked)',
  };
}

/**
 * The runtime platform of @ait/core's browser entry: checkpoints in IndexedDB, a JavaScript
 * SHA-256, no native backends, tfjs-wasm's binaries next to the browser bundle, and the browser's
 * own WebGPU.
 */
export const browserPlatform: RuntimePlatform = {
  name: 'browser',
  sha256: (bytes) => sha256(bytes),
  checkpoints: indexedDbCheckpointStore(),
  joinPath: (dir, name) => normalizeCheckpointPath(`${dir}/${name}`),
  loadNativeBackend: async (pkg) => ({
    loaded: false,
    installed: false,
    reason: `${pkg} is not available in a browser (it is a native Node add-on)`,
  }),
  defaultWasmPaths: bundledWasmPaths,
  defaultWasmThreads: () => 1,
  loadWebGpu: browserWebGpu,
};
