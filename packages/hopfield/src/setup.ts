/**
 * The set-up functions of `@ait/core` that every user of `@ait/hopfield` needs, re-exported so
 * that installing `@ait/hopfield` alone is enough: pick a backend with `initBackend` and make a
 * run reproducible with `setGlobalSeed` / `SeededRandom`.
 */
export { globalRng, initBackend, SeededRandom, setGlobalSeed } from '@ait/core';
export type { BackendChoice, BackendInfo, InitBackendOptions, RandomState } from '@ait/core';
