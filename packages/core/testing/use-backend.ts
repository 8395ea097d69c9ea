// The backend a test file runs on, shared by the packages' tests.
import { afterAll, beforeAll } from 'vitest';
import { initBackend } from '../src/backend/init-backend';
import { setGlobalSeed } from '../src/random/seeded-random';

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

/** Switches back to `backend` after the tests of the current suite (for tests that switch backends themselves). */
export function restoreBackendAfterwards(backend: 'cpu' | 'wasm' = 'cpu'): void {
  afterAll(async () => {
    await initBackend({ backend });
  });
}
