import { describe, expect, it } from 'vitest';
import { countParameters, initBackend } from '@ait/core';
import { createModel, listModels, presetParameterCount, type ModelInfo } from '@ait/vision';
import { formatModelsTable, MODELS_TABLE_WIDTH, type ModelRow } from '../src/commands/models';
import { buildForData } from '../src/util/model-for-data';
import { recipeFor } from '../src/util/training-recipe';
import { cli } from './helpers';

interface JsonRow {
  name: string;
  family: string;
  scale: string;
  parameters: number | null;
  imageShape: [number, number, number] | null;
  description: string;
}

describe('ait models', () => {
  it('lists every preset in a table whose lines fit 100 columns, with counts from the configs', async () => {
    const r = await cli('models');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^name\s+family\s+scale\s+parameters\s+description$/);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(MODELS_TABLE_WIDTH);
    expect(lines.at(-1)).toMatch(/descriptions shortened: `ait models --wide` shows them whole/);
    const presets = listModels();
    for (const preset of presets) {
      const line = lines.find((l) => l.startsWith(`${preset.name} `));
      expect(line, preset.name).toBeDefined();
      const total = presetParameterCount(preset.name)?.total ?? Number.NaN;
      expect(line, preset.name).toContain(` ${total.toLocaleString('en-US')}  `);
      // a shortened description is the start of the real one
      const shown = (line ?? '').slice(
        (line ?? '').indexOf(`${total.toLocaleString('en-US')}  `) + total.toLocaleString('en-US').length + 2,
      );
      expect(preset.description.startsWith(shown.replace(/…$/, '')), preset.name).toBe(true);
    }
    // header, rule, one line per preset, the note
    expect(lines).toHaveLength(presets.length + 3);
  });

  it('--wide shows whole descriptions', async () => {
    const r = await cli('models', '--family', 'ait', '--wide');
    expect(r.code).toBe(0);
    const conv = listModels({ family: 'ait' }).find((m) => m.name === 'ait-tiny-conv');
    expect(conv?.description.length).toBeGreaterThan(MODELS_TABLE_WIDTH);
    expect(r.out).toContain(conv?.description);
    expect(r.out).not.toContain('…');
    expect(r.out).not.toContain('descriptions shortened');
  });

  it('--json gives the count and the image it is for, equal to the built model', async () => {
    const r = await cli('models', '--scale', 'cpu', '--family', 'vit', '--json');
    expect(r.code).toBe(0);
    const rows = (JSON.parse(r.out) as { models: JsonRow[] }).models;
    expect(rows.map((m) => m.name).sort()).toEqual(['vit-mini', 'vit-tiny', 'vit-tiny-conv', 'vit-tiny-flatten']);
    await initBackend({ backend: 'cpu' });
    for (const row of rows) {
      const [h, w, c] = row.imageShape ?? [0, 0, 0];
      expect(h).toBe(w);
      const model = createModel(row.name);
      buildForData(model, { imageShape: [h, w, c], extraInputs: [] });
      expect(row.parameters, row.name).toBe(countParameters(model).total);
      model.dispose();
    }
  });
});

describe('formatModelsTable', () => {
  const preset = listModels()[0] as ModelInfo;
  const row = (name: string, description: string, parameters: number | null): ModelRow => ({
    name,
    family: 'test',
    scale: 'cpu',
    parameters,
    imageShape: parameters === null ? null : [32, 32, 3],
    description,
    recipe: recipeFor(preset),
  });

  it('shortens only what does not fit, with an ellipsis, and says so', () => {
    const long = 'word '.repeat(40).trim();
    const text = formatModelsTable([row('short-one', 'fits', 1234), row('long-one', long, null)]);
    const lines = text.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(MODELS_TABLE_WIDTH);
    expect(lines[2]).toMatch(/^short-one\s+test\s+cpu\s+1,234\s+fits$/);
    expect(lines[3]).toMatch(/^long-one\s+test\s+cpu\s+-\s+word word .*…$/);
    expect(lines[3]?.length).toBe(MODELS_TABLE_WIDTH);
    expect(lines[4]).toContain('--wide');
    // nothing to shorten: no note
    expect(formatModelsTable([row('short-one', 'fits', 1)])).not.toContain('--wide');
    // wide: whole text
    expect(formatModelsTable([row('long-one', long, 5)], true)).toContain(long);
  });
});
