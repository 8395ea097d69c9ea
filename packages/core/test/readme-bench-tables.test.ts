// The speed tables of README.md are generated from the newest benchmark file published in
// results/bench/core/ (scripts/bench-tables.mjs, run by `pnpm bench:publish`): this fails when
// someone edits the numbers by hand or publishes a file without regenerating the tables.
import { describe, expect, it } from 'vitest';
import { expectReadmeBenchTables } from '../testing/index';

describe('README speed tables', () => {
  it('equal the tables rendered from the newest published benchmark file', () => {
    const block = expectReadmeBenchTables(new URL('..', import.meta.url));
    // the default configuration is in the table, next to PyTorch
    expect(block).toMatch(/GEMM pool, \d threads \(default\) \| \d+ \/ \d+ \| \d+ \| \d\.\d\dx \|/);
  });
});
