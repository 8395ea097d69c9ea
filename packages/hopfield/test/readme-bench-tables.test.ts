// The benchmark tables of README.md are generated from the newest benchmark file published in
// results/bench/hopfield/ (scripts/bench-tables.mjs, run by `pnpm bench:publish`): this fails when
// someone edits the numbers by hand or publishes a file without regenerating the tables.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const START = '<!-- bench-tables:start';
const END = '<!-- bench-tables:end -->';

describe('README benchmark tables', () => {
  it('equal the tables rendered from the newest published benchmark file', () => {
    const rendered = execFileSync(process.execPath, [join(pkg, 'scripts', 'bench-tables.mjs')], { encoding: 'utf8' }).trim();
    const readme = readFileSync(join(pkg, 'README.md'), 'utf8');
    const a = readme.indexOf(START);
    const b = readme.indexOf(END);
    expect(a, 'README.md has the generated block').toBeGreaterThan(0);
    const block = readme.slice(readme.indexOf('\n', a) + 1, b).trim();
    expect(block).toBe(rendered);
    expect(block).toContain('|---|');
  });
});
