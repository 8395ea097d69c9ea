import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCliReference, optionDefault } from '../scripts/generate-cli-reference.mjs';
import { codeCell } from '../scripts/markdown-cells.mjs';

/** The table row of the option whose flags are exactly `flags` in the section of `command` (e.g. `ait eval`). */
function optionRow(page: string, command: string, flags: string): string {
  const start = page.indexOf(`\`${command}\`\n`);
  expect(start, `no section for ${command}`).toBeGreaterThan(0);
  const next = page.indexOf('\n#', start + 1);
  const section = page.slice(start, next === -1 ? undefined : next);
  const row = section.split('\n').find((l) => l.startsWith(`| \`${flags}\` |`));
  expect(row, `no row for ${flags} in ${command}`).toBeDefined();
  return row!;
}

describe('docs: CLI reference generated from the ait programme', () => {
  let dir: string;
  let page: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ait-docs-cli-'));
    await generateCliReference(join(dir, 'cli.md'));
    page = await readFile(join(dir, 'cli.md'), 'utf8');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('writes option arguments verbatim inside code spans, with the default the option states', () => {
    expect(optionRow(page, 'ait eval', '-b, --batch-size <n>')).toBe(
      '| `-b, --batch-size <n>` | examples per batch (default 128) |  | `128` |',
    );
    // a choice option: choices listed, default filled
    expect(optionRow(page, 'ait eval', '--backend <name>')).toMatch(/\| `auto`, `tensorflow-gpu`, .*`cpu` \| `auto` \|$/);
    // a pipe inside a code span is escaped for the table, not turned into an entity
    expect(optionRow(page, 'ait train', '-d, --dataset <name\\|dir>')).toMatch(/\| `triangle` \|$/);
    // a default that is a phrase, not a literal, is prose
    expect(optionRow(page, 'ait train', '-e, --epochs <n>')).toMatch(/\| the recipe \|$/);
    // an option without a default leaves the cell empty
    expect(optionRow(page, 'ait train', '--checkpoint-every <steps>').endsWith('|  |  |')).toBe(true);
  });

  it('leaves no HTML entity inside any code span of the tables', () => {
    const tableLines = page.split('\n').filter((l) => l.startsWith('| '));
    expect(tableLines.length).toBeGreaterThan(20);
    for (const line of tableLines) {
      for (const span of line.match(/`[^`]+`/g) ?? []) expect(span, line).not.toMatch(/&(lt|gt|amp);/);
    }
    // prose outside code spans keeps < and > escaped so that Vue does not read them as tags
    expect(page).toContain('(default runs/&lt;model&gt;-&lt;data&gt;-&lt;time&gt;)');
  });

  it('names positional arguments as the usage line does', () => {
    expect(page).toContain('| `<target>` | yes | run directory (newest checkpoint) or .ckpt file |');
    expect(page).toContain('| `<images...>` | yes |');
  });
});

describe('docs: optionDefault', () => {
  it("prefers commander's own default value", () => {
    expect(optionDefault({ description: 'steps (default 5)', defaultValue: 7 })).toEqual({ value: '7', code: true });
    expect(optionDefault({ description: 'x', defaultValue: 7, defaultValueDescription: 'seven' })).toEqual({ value: 'seven', code: true });
  });

  it('reads the shapes the descriptions state defaults in', () => {
    expect(optionDefault({ description: 'compute backend (default auto)' })).toEqual({ value: 'auto', code: true });
    expect(optionDefault({ description: 'decay (default: the recipe; may change on --resume)' })).toEqual({
      value: 'the recipe',
      code: false,
    });
    expect(optionDefault({ description: 'preset (see `ait models`; default ait-tiny-conv)' })).toEqual({
      value: 'ait-tiny-conv',
      code: true,
    });
    const choices = ['sample', 'batch'];
    expect(optionDefault({ description: 'how: sample (default; alone) or batch (the batch)', argChoices: choices })?.value).toBe('sample');
    expect(optionDefault({ description: 'layers: a TF.js Layers model (default)', argChoices: ['layers'] })?.value).toBe('layers');
    expect(optionDefault({ description: "preset (the preset's own, the default) or paper", argChoices: ['preset', 'paper'] })?.value).toBe(
      'preset',
    );
  });

  it('finds no default where none is stated', () => {
    expect(optionDefault({ description: 'whole descriptions (by default they are shortened to fit 100 columns)' })).toBeUndefined();
    expect(optionDefault({ description: 'also save a checkpoint every this many steps' })).toBeUndefined();
    expect(optionDefault({ description: 'sample or batch', argChoices: ['sample', 'batch'] })).toBeUndefined();
  });

  it('fences code cells so that backticks and pipes inside survive', () => {
    expect(codeCell('-d, --dataset <name|dir>')).toBe('`-d, --dataset <name\\|dir>`');
    expect(codeCell('a `b` c')).toBe('`` a `b` c ``');
  });
});
