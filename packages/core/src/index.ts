/**
 * @packageDocumentation
 * `@ait/core`: backend selection, seeded randomness, the shared transformer layers, optimisers,
 * schedules, the training loop and checkpoint I/O that every AiT.js model builds on.
 *
 * This is the Node entry (chosen by Node's `import` / `require` conditions): checkpoints are
 * files, `initBackend` can use a tfjs-node the application installed and tfjs-wasm's threaded
 * build. Bundlers targeting browsers get `browser.ts` instead, with the same API and
 * checkpoints kept in IndexedDB.
 */
import { registerFileSystemRouter } from './io/node-file-io';
import { nodePlatform } from './platform/node-platform';
import { setRuntimePlatform } from './platform/runtime-platform';

export * from './common';
export * from './kernels/wasm/wasm-threads';
export * from './interop/node-safetensors-file';
export { CHECKPOINT_TEMP_PREFIX, fileCheckpointStore } from './checkpoint/file-checkpoint-store';
export * from './io/node-file-io';

setRuntimePlatform(nodePlatform);
registerFileSystemRouter();
