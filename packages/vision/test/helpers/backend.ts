// The backend a test file runs on, set up once before its tests.
import { initBackend, setGlobalSeed } from '@ait/core';
import { beforeAll } from 'vitest';

/**
 * Runs the file's tests on `backend`, initialised once before them, and seeds the library's
 * random stream with `seed` when one is given (so a file's tests draw the same numbers each run).
 */
export function useBackend(backend: 'cpu' | 'wasm', seed?: number): void {
  beforeAll(async () => {
    await initBackend({ backend });
    if (seed !== undefined) setGlobalSeed(seed);
  });
}
