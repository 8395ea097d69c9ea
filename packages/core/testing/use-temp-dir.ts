// A temporary folder for a test file, shared by the packages' tests that write files.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';

/**
 * A fresh folder in the system's temporary folder (its name starts with `prefix`) for the file's
 * tests: made before them, removed with everything in it after them. Returns a function that gives
 * its path inside the tests and the hooks registered after this call.
 */
export function useTempDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined)
      throw new Error(`useTempDir('${prefix}'): the folder exists only inside the tests and the hooks that run after it is made`);
    return dir;
  };
}
