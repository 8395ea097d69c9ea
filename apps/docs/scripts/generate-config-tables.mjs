// Adds an options table (option, type, default, description) to the API pages of each vision model config, after
// TypeDoc has written them: TypeDoc can only print a zod schema's inferred type, one unreadable line of `ZodDefault<...>`.
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CONFIG_SCHEMAS, configOptionRows, optionDescriptions, optionTable } from './config-options.mjs';

/** The heading the tables go under; the docs test finds them by its anchor. */
export const OPTIONS_HEADING = '## Options';

/** The signature line TypeDoc writes under the title (`> ...`), or undefined. */
const signatureLine = (md) => md.split('\n').find((l) => l.startsWith('> '));

/**
 * Writes the options tables into the API pages under `apiDir` (TypeDoc's output, `docs/api`) and returns the
 * pages changed. Throws an Error naming the options that have no TSDoc description.
 * @param {string} apiDir
 * @param {string} repoRoot
 * @returns {Promise<string[]>}
 */
export async function generateConfigTables(apiDir, repoRoot) {
  const vision = await import('@ait/vision');
  const core = await import('@ait/core');
  const visionApi = join(apiDir, '@ait', 'vision');
  const descriptions = optionDescriptions(
    repoRoot,
    CONFIG_SCHEMAS.map((c) => c.schema),
  );
  const aliasPages = readdirSync(join(visionApi, 'type-aliases')).map((f) => join('type-aliases', f));
  const written = [];
  for (const entry of CONFIG_SCHEMAS) {
    const rows = configOptionRows(vision[entry.schema], descriptions[entry.schema], core);
    const undocumented = rows.filter((r) => r.description === '').map((r) => r.option);
    if (undocumented.length > 0) {
      throw new Error(
        `docs: ${entry.schema} has options without a description: ${undocumented.join(', ')}. ` +
          'Write a TSDoc comment (/** ... */) above each of these fields where the schema declares it.',
      );
    }
    // the schema's variable pages, every type alias whose signature links one of them, and the listed extra pages
    const described = [entry.schema, ...(entry.layerSchema ? [entry.layerSchema] : [])];
    // Which pages also take tfjs' base layer arguments: `LayerArgsOf<...>` types, the extra pages (layer
    // arguments) and schemas that spread them (AiT's, ViT's, the layer schemas); never `LayerConfigOf<...>`.
    const takesLayerArgs = (schema) => 'name' in vision[schema].shape;
    const pages = described.map((n) => ({ page: join('variables', `${n}.md`), layerArgs: takesLayerArgs(n) }));
    for (const page of aliasPages) {
      const sig = signatureLine(await readFile(join(visionApi, page), 'utf8')) ?? '';
      const schema = described.find((n) => sig.includes(`(../variables/${n}.md)`));
      if (!schema) continue;
      pages.push({ page, layerArgs: sig.includes('LayerArgsOf') || (!sig.includes('LayerConfigOf') && takesLayerArgs(schema)) });
    }
    for (const name of entry.pages ?? []) pages.push({ page: join('type-aliases', `${name}.md`), layerArgs: true });
    for (const { page, layerArgs } of pages) {
      const file = join(visionApi, page);
      if (!existsSync(file))
        throw new Error(`docs: TypeDoc wrote no ${page} for ${entry.schema}; update CONFIG_SCHEMAS in scripts/config-options.mjs.`);
      await writeFile(file, withOptions(await readFile(file, 'utf8'), entry, rows, layerArgs ? Object.keys(core.layerArgsShape) : []));
      written.push(join('@ait', 'vision', page));
    }
  }
  return written;
}

/** `md` with its zod type signature shortened and the options section appended (replacing an earlier one). */
function withOptions(md, entry, rows, layerArgs) {
  const body = md
    .split(`\n${OPTIONS_HEADING}\n`)[0]
    .trimEnd()
    .split('\n')
    .map((line) =>
      line.startsWith('> `const` **') && line.includes('`ZodObject`\\<')
        ? `${line.slice(0, line.indexOf('`ZodObject`'))}\`ZodObject\` (a zod schema; its options are listed below)`
        : line,
    );
  const source = `generated from \`${entry.schema}\`: types and defaults from the schema, descriptions from its TSDoc`;
  const layerNote =
    layerArgs.length > 0 ? ` It also accepts tfjs' base layer arguments (${layerArgs.map((a) => `\`${a}\``).join(', ')}), not listed.` : '';
  const required = rows.some((r) => r.default === 'required')
    ? ' Options marked *required* have no default in the schema: every preset of `listModels()` sets them, and `createModel` merges your overrides into the preset.'
    : '';
  return [
    ...body,
    '',
    OPTIONS_HEADING,
    '',
    `The options of the ${entry.title} config (${source}).${required}${layerNote}`,
    '',
    ...optionTable(rows),
    '',
  ].join('\n');
}
