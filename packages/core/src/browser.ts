/**
 * @packageDocumentation
 * `@ait/core` in a browser: backend selection (wasm with SIMD, WebGL, cpu), seeded randomness,
 * the shared transformer layers, optimisers, schedules, the training loop and checkpoints.
 *
 * This is the browser entry (chosen by bundlers through the package.json `browser` export
 * condition): it imports no Node built-in. `saveCheckpoint` / `loadCheckpoint` and the Trainer's
 * `checkpoint.dir` keep checkpoints in IndexedDB, in the same bytes as the Node entry's files;
 * `downloadCheckpoint` and `readCheckpointFile` move them to and from files. tfjs-wasm's binaries
 * are found next to this bundle (`dist/wasm/`) unless `initBackend` is given `wasmPaths`.
 */
import { browserPlatform } from './platform/browser-platform';
import { setRuntimePlatform } from './platform/runtime-platform';

export * from './common';

setRuntimePlatform(browserPlatform);
