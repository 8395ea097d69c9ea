import { sha256 } from '@noble/hashes/sha2';
import { indexedDbCheckpointStore, normalizeCheckpointPath } from '../checkpoint/indexeddb-checkpoint-store';
import { bundledWasmPaths } from './browser-wasm-paths';
import type { RuntimePlatform } from './runtime-platform';

/**
 * The runtime platform of @ait/core's browser entry: checkpoints in IndexedDB, a JavaScript
 * SHA-256, no native backends, and tfjs-wasm's binaries next to the browser bundle.
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
};
