// The table of data sets in the docs guide and in README.md is generated from DATASET_REGISTRY by
// scripts/dataset-table.ts (`pnpm --filter @ait/datasets docs:datasets`): this fails when someone
// edits a page's table by hand or changes the registry without regenerating the pages.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DATASET_TABLE_MARKERS, DATASET_TABLE_PAGES, renderDatasetTable, tableBlock, withTable } from '../scripts/dataset-table';
import { DATASET_REGISTRY, type DatasetEntry } from '../src/index';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('docs: the table of data sets', () => {
  it.each(DATASET_TABLE_PAGES)('%s holds the table rendered from DATASET_REGISTRY', (page) => {
    const block = tableBlock(readFileSync(join(root, page), 'utf8'), page);
    expect(block, `regenerate with: pnpm --filter @ait/datasets docs:datasets`).toBe(renderDatasetTable());
  });

  it('has one row per registered data set in each of its two tables, in registry order', () => {
    const tables = renderDatasetTable().split('\n\n');
    expect(tables).toHaveLength(2);
    for (const table of tables) {
      const names = table
        .split('\n')
        .slice(2)
        .map((row) => /^\| `([^`]+)` \|/.exec(row)?.[1]);
      expect(names).toEqual(DATASET_REGISTRY.map((e) => e.name));
    }
  });

  it('renders each fact of an entry into its cell, pipes escaped', () => {
    const entry: DatasetEntry = {
      name: 'dice',
      title: 'Dice',
      description: 'which face is up | of a die',
      kind: 'generated',
      source: 'generated, seeded',
      classes: 6,
      imageShape: [16, 16, 1],
      extraInputs: [{ name: 'hint', shape: [2, 3] }],
      sizes: { train: 12_000, test: 600, unit: 'images' },
      augmentation: { crop: true, horizontalFlip: { reason: 'a mirrored die is another die', brief: 'mirrored pips' } },
      cli: { generated: { sizeOption: 'size', train: 1_000, test: 100 } },
    };
    /** The rows of `entry` in the two tables. */
    const rowsOf = (e: DatasetEntry): string[] =>
      renderDatasetTable([e])
        .split('\n\n')
        .map((t) => t.split('\n')[2] ?? '');
    expect(rowsOf(entry)).toEqual([
      '| `dice` | Dice: which face is up \\| of a die | generated, seeded | 12,000 train / 600 test images (any size) |',
      '| `dice` | 16 x 16 x 1 + hint `[2, 3]` | 6 | crop; refuses flip (mirrored pips) | yes (generates 1,000 / 100 unless asked) |',
    ]);
    expect(
      rowsOf({
        ...entry,
        kind: 'file-loader',
        sizes: 'the files',
        extraInputs: [],
        augmentation: 'not checked',
        cli: {},
        classes: 'per folder',
      }),
    ).toEqual([
      '| `dice` | Dice: which face is up \\| of a die | generated, seeded | the files |',
      '| `dice` | 16 x 16 x 1 | per folder | not checked | yes |',
    ]);
  });

  it('writes the table between the markers and refuses a page without them', () => {
    const page = `# t\n\n${DATASET_TABLE_MARKERS.start}\nold\n${DATASET_TABLE_MARKERS.end}\n\nafter\n`;
    const written = withTable(page, 'p.md', '| a |');
    expect(tableBlock(written, 'p.md')).toBe('| a |');
    expect(written.endsWith(`${DATASET_TABLE_MARKERS.end}\n\nafter\n`)).toBe(true);
    expect(() => tableBlock('# no table', 'p.md')).toThrow(/p\.md has no "<!-- dataset-table:start/);
  });
});
