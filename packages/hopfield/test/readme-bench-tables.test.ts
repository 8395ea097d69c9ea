// The benchmark tables of README.md are generated from the newest benchmark file published in
// results/bench/hopfield/ (scripts/bench-tables.mjs, run by `pnpm bench:publish`): this fails when
// someone edits the numbers by hand or publishes a file without regenerating the tables.
import { expectReadmeBenchTables } from '@ait/core/testing';
import { describe, expect, it } from 'vitest';

describe('README benchmark tables', () => {
  it('equal the tables rendered from the newest published benchmark file', () => {
    expect(expectReadmeBenchTables(new URL('..', import.meta.url))).toContain('|---|');
  });
});
