import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layerArgsShape, type z } from '@ait/core';
import * as vision from '@ait/vision';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_SCHEMAS, optionDescriptions } from '../scripts/config-options.mjs';
import { tableAfter } from './helpers/html-table';
import { DIST_DIR, listFiles, requireBuiltSite } from './helpers/site-paths';

const REPO = fileURLToPath(new URL('../../..', import.meta.url));
type Field = z.ZodType;

/** A schema with its wrappers (default, prefault, optional, nullable) taken off. */
function unwrapped(field: Field): Field {
  let f = field as Field & { def: { type: string; innerType?: Field } };
  while (['default', 'prefault', 'optional', 'nullable'].includes(f.def.type) && f.def.innerType) f = f.def.innerType as typeof f;
  return f;
}

/** Every option of a config schema, as zod holds it: top-level fields but tfjs' layer arguments, nested object fields as `a.b`. */
function schemaOptions(schema: z.ZodObject): Map<string, Field> {
  const out = new Map<string, Field>();
  const walk = (shape: Record<string, Field>, prefix: string): void => {
    for (const [key, field] of Object.entries(shape)) {
      if (prefix === '' && key in layerArgsShape) continue;
      out.set(prefix + key, field);
      const inner = unwrapped(field) as Field & { shape?: Record<string, Field> };
      if (inner.def.type === 'object' && inner.shape) walk(inner.shape, `${prefix}${key}.`);
    }
  };
  walk(schema.shape as Record<string, Field>, '');
  return out;
}

/** The value a default cell shows (`'batch'`, `3072`, `null`, `[]`), read as JSON. */
const cellValue = (text: string): unknown => JSON.parse(text.replace(/'([^']*)'/g, (_m, s: string) => JSON.stringify(s)));

/**
 * What is wrong with the rows `[option, type, default, description]` of a page's options table, compared with the
 * schema's fields and their TSDoc (`docs`): missing, extra or reordered options, a default the schema does not
 * apply, a "required" option that has a default, enum values the schema refuses, a description that differs.
 */
function tableProblems(rows: string[][], options: Map<string, Field>, docs: Record<string, string>): string[] {
  const problems: string[] = [];
  const shown = rows.map((r) => r[0]);
  if (JSON.stringify(shown) !== JSON.stringify([...options.keys()]))
    problems.push(`options ${shown.join(', ')}; the schema has ${[...options.keys()].join(', ')}`);
  for (const [option, type = '', shownDefault = '', description = ''] of rows) {
    const field = options.get(option!);
    if (!field) continue;
    const fallback = field.safeParse(undefined);
    if (shownDefault === 'required') {
      if (fallback.success) problems.push(`${option}: shown as required, but the schema defaults it to ${JSON.stringify(fallback.data)}`);
    } else if (shownDefault === 'optional') {
      if (!fallback.success || fallback.data !== undefined)
        problems.push(`${option}: shown as optional, but the schema does not leave it unset`);
    } else {
      const parsed = field.safeParse(cellValue(shownDefault));
      if (!fallback.success || !parsed.success || JSON.stringify(parsed.data) !== JSON.stringify(fallback.data)) {
        problems.push(
          `${option}: default shown as ${shownDefault}, the schema gives ${fallback.success ? JSON.stringify(fallback.data) : 'none'}`,
        );
      }
    }
    const values = [...type.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
    for (const v of values) if (!field.safeParse(v).success) problems.push(`${option}: type lists '${v}', which the schema refuses`);
    if (values.length > 0 && field.safeParse('no-such-value').success)
      problems.push(`${option}: type lists values, the schema takes any string`);
    if (/^integer/.test(type) && field.safeParse(1.5).success) problems.push(`${option}: shown as an integer, the schema takes 1.5`);
    const doc = (docs[option!] ?? '').replace(/`/g, '').replace(/\s+/g, ' ');
    if (doc === '' || description !== doc) problems.push(`${option}: description "${description}", the TSDoc says "${doc}"`);
  }
  return problems;
}

describe('the config options tables of the API reference', () => {
  let descriptions: Record<string, Record<string, string>>;
  const schemaOf = (name: string): z.ZodObject => (vision as unknown as Record<string, z.ZodObject>)[name]!;

  beforeAll(() => {
    requireBuiltSite();
    descriptions = optionDescriptions(
      REPO,
      CONFIG_SCHEMAS.map((c) => c.schema),
    );
  });

  it('covers every model family, each with the schema its presets validate against', () => {
    const families = [...new Set(vision.listModels().map((m) => m.family))].sort();
    expect(CONFIG_SCHEMAS.flatMap((c) => (c.family ? [c.family] : [])).sort()).toEqual(families);
    for (const m of vision.listModels()) {
      const entry = CONFIG_SCHEMAS.find((c) => c.family === m.family)!;
      expect(schemaOf(entry.schema).safeParse(m.defaults).success, `${m.name} against ${entry.schema}`).toBe(true);
    }
  });

  it('has a TSDoc description for every option of every config', () => {
    const missing = CONFIG_SCHEMAS.flatMap((c) =>
      [...schemaOptions(schemaOf(c.schema)).keys()].filter((o) => !descriptions[c.schema]?.[o]).map((o) => `${c.schema}.${o}`),
    );
    expect(missing).toEqual([]);
  });

  it('shows on each API page exactly the options, defaults and descriptions of its schema', () => {
    const dir = join(DIST_DIR, 'api', '@ait', 'vision');
    const pages = new Map(
      listFiles(dir)
        .filter((p) => p.endsWith('.html'))
        .map((p) => [p, readFileSync(join(dir, p), 'utf8')] as const)
        .filter(([, html]) => html.includes('id="options"')),
    );
    const problems: string[] = [];
    for (const entry of CONFIG_SCHEMAS) {
      const withTable = [...pages.keys()].filter((p) => pages.get(p)!.includes(`generated from <code>${entry.schema}</code>`));
      expect(withTable, `${entry.schema}'s pages`).toContain(`variables/${entry.schema}.html`);
      expect(withTable.length, `${entry.schema}'s pages`).toBeGreaterThanOrEqual(2);
      const options = schemaOptions(schemaOf(entry.schema));
      for (const page of withTable) {
        const rows = tableAfter(pages.get(page)!, 'options') ?? [];
        problems.push(...tableProblems(rows, options, descriptions[entry.schema]!).map((p) => `${page}: ${p}`));
      }
    }
    expect(problems, problems.slice(0, 20).join('\n')).toEqual([]);
    for (const page of ['AitConfig', 'AssociativeTransformerArgs', 'VitConfig', 'AftConfig', 'GlobalWorkspaceLayerArgs']) {
      expect(pages.has(`type-aliases/${page}.html`), `${page} has an options table`).toBe(true);
    }
  });

  it('finds a page that disagrees with its schema (the comparison itself can fail)', () => {
    const html = readFileSync(join(DIST_DIR, 'api', '@ait', 'vision', 'type-aliases', 'AitConfig.html'), 'utf8');
    const rows = tableAfter(html, 'options')!;
    const options = schemaOptions(vision.aitConfigSchema);
    const docs = descriptions.aitConfigSchema!;
    expect(tableProblems(rows, options, docs)).toEqual([]);
    const edit = (option: string, column: number, value: string): string[][] =>
      rows.map((r) => (r[0] === option ? r.map((c, i) => (i === column ? value : c)) : r));
    expect(tableProblems(edit('topK', 2, '256'), options, docs)).toEqual([expect.stringMatching(/^topK: default shown as 256/)]);
    expect(tableProblems(edit('dim', 2, 'required'), options, docs)).toEqual([expect.stringMatching(/^dim: shown as required/)]);
    expect(tableProblems(edit('memory', 1, "'ema' | 'fifo'"), options, docs)).toEqual([
      "memory: type lists 'fifo', which the schema refuses",
    ]);
    expect(tableProblems(edit('beta', 3, ''), options, docs)).toEqual([expect.stringMatching(/^beta: description ""/)]);
    expect(tableProblems(rows.slice(1), options, docs)).toEqual([expect.stringMatching(/^options /)]);
    expect(tableProblems(rows, options, { ...docs, beta: '' })).toEqual([expect.stringMatching(/^beta: description/)]);
  });
});
