// The options of the vision model configs, for the API reference: names, types and defaults from the zod schemas
// themselves (what `createModel` and the model constructors validate), descriptions from the TSDoc comment written
// once on each schema field (the same text an editor shows on hover). Nothing here is typed twice.
import { join } from 'node:path';
import ts from 'typescript';
import { cell, codeCell } from './markdown-cells.mjs';

/**
 * The configs whose options the API reference lists: AiT first (the library's subject), its global workspace
 * layer, then ViT and the other families in the order of the model zoo. `schema` is the export of @ait/vision
 * that validates the config, `layerSchema` the one the model's constructor uses (the same fields plus tfjs'
 * layer arguments), `family` the registry family (`listModels()`) it configures, `pages` further API pages
 * (type aliases whose TypeDoc signature cannot link to the schema) that get the table.
 */
export const CONFIG_SCHEMAS = [
  { schema: 'aitConfigSchema', family: 'ait', title: 'Associative Transformer (AiT)' },
  {
    schema: 'globalWorkspaceOptionsSchema',
    title: 'global workspace layer (the memory of an AiT block)',
    pages: ['GlobalWorkspaceLayerArgs'],
  },
  { schema: 'vitConfigSchema', family: 'vit', title: 'Vision Transformer (ViT)' },
  { schema: 'coordinationSchema', layerSchema: 'coordinationLayerSchema', family: 'coordination', title: 'Coordination' },
  { schema: 'aftSchema', layerSchema: 'aftLayerSchema', family: 'aft', title: 'Attention Free Transformer (AFT)' },
  { schema: 'mlpMixerSchema', layerSchema: 'mlpMixerLayerSchema', family: 'mlp-mixer', title: 'MLP-Mixer' },
  {
    schema: 'parallelMlpMixerSchema',
    layerSchema: 'parallelMlpMixerLayerSchema',
    family: 'parallel-mlp-mixer',
    title: 'parallelized MLP-Mixer',
  },
  { schema: 'perceiverSchema', layerSchema: 'perceiverLayerSchema', family: 'perceiver', title: 'Perceiver' },
  { schema: 'setTransformerSchema', layerSchema: 'setTransformerLayerSchema', family: 'set-transformer', title: 'Set Transformer' },
];

/** The TypeScript program of @ait/vision's sources plus one virtual file naming each config's input type. */
function visionProgram(repoRoot, names) {
  const root = join(repoRoot, 'packages', 'vision');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    join(root, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(`docs: cannot read packages/vision/tsconfig.json: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      },
    },
  );
  const virtualFile = join(root, 'src', '__config-options__.ts');
  const source = [
    "import type { z } from '@ait/core';",
    "import type * as vision from './index';",
    ...names.map((n) => `export type ${n} = z.input<typeof vision.${n}>;`),
  ].join('\n');
  const host = ts.createCompilerHost(parsed.options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (file, lang, ...rest) =>
    file === virtualFile ? ts.createSourceFile(file, source, lang) : getSourceFile.call(host, file, lang, ...rest);
  host.fileExists = (file) => file === virtualFile || fileExists.call(host, file);
  host.readFile = (file) => (file === virtualFile ? source : readFile.call(host, file));
  const program = ts.createProgram({ rootNames: [virtualFile], options: { ...parsed.options, noEmit: true }, host });
  return { program, virtualFile };
}

/** TSDoc text of a property symbol as one line of markdown: `{@link X}` becomes `X` in code. */
function docText(symbol, checker) {
  return ts
    .displayPartsToString(symbol.getDocumentationComment(checker))
    .replace(/\{@link(?:code|plain)?\s+([^}|\s]+)(?:[|\s]\s*([^}]*))?\}/g, (_m, target, text) => `\`${(text || target).trim()}\``)
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/**
 * The TSDoc description of every option of the named schemas (exports of @ait/vision), read from the sources by
 * the TypeScript compiler: `{ schemaName: { option: text, 'nested.option': text } }`, an empty text where a field
 * has no comment. Nested object options (AiT's `ablation`) are listed with their fields.
 * @param {string} repoRoot
 * @param {string[]} names
 * @returns {Record<string, Record<string, string>>}
 */
export function optionDescriptions(repoRoot, names) {
  const { program, virtualFile } = visionProgram(repoRoot, names);
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(virtualFile));
  const exported = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.name, s]));
  const out = {};
  for (const name of names) {
    const symbol = exported.get(name);
    if (!symbol) throw new Error(`docs: @ait/vision exports no ${name} (see CONFIG_SCHEMAS in apps/docs/scripts/config-options.mjs).`);
    const docs = {};
    const walk = (type, prefix) => {
      for (const p of type.getProperties()) {
        docs[prefix + p.name] = docText(p, checker);
        const inner = checker.getNonNullableType(checker.getTypeOfSymbol(p));
        if (inner.flags & ts.TypeFlags.Object && !checker.isArrayType(inner) && inner.getProperties().length > 0)
          walk(inner, `${prefix}${p.name}.`);
      }
    };
    walk(checker.getDeclaredTypeOfSymbol(symbol), '');
    out[name] = docs;
  }
  return out;
}

const bound = (v) => (Number.isFinite(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER ? String(v) : null);

/** The type of a JSON schema (zod's `toJSONSchema`) as the markdown of a table cell: `integer > 0`, `` `'a' \| 'b'` ``. */
export function typeCell(js) {
  if (js.anyOf) return js.anyOf.map(typeCell).join(' or ');
  if (Array.isArray(js.type)) return js.type.map((type) => typeCell({ ...js, type })).join(' or ');
  if (js.enum) return codeCell(js.enum.map((v) => (typeof v === 'string' ? `'${v}'` : String(v))).join(' | '));
  if (js.const !== undefined) return codeCell(literal(js.const));
  if (js.type === 'integer' || js.type === 'number') {
    const limits = [
      js.exclusiveMinimum !== undefined ? `> ${js.exclusiveMinimum}` : bound(js.minimum) && `≥ ${js.minimum}`,
      js.exclusiveMaximum !== undefined ? `< ${js.exclusiveMaximum}` : bound(js.maximum) && `≤ ${js.maximum}`,
    ].filter(Boolean);
    return cell([js.type, limits.join(', ')].filter(Boolean).join(' '));
  }
  if (js.type === 'array') return `array of ${js.items ? typeCell(js.items) : 'values'}`;
  return cell(js.type ?? 'any value');
}

/** A default value as TypeScript writes it: `'batch'`, `3072`, `null`, `[]`. */
export const literal = (v) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));

/**
 * The rows of a config's option table: every field of `schema` but tfjs' base layer arguments, nested object
 * fields after their parent as `parent.field`. `type` and `default` are table-cell markdown from the schema,
 * `description` the field's TSDoc (empty where it has none: the generator refuses such a config).
 * @param {import('@ait/core').z.ZodType} schema
 * @param {Record<string, string>} descriptions from {@link optionDescriptions}
 * @param {{ z: typeof import('@ait/core').z, layerArgsShape: object }} core
 */
export function configOptionRows(schema, descriptions, core) {
  const skip = new Set(Object.keys(core.layerArgsShape));
  const rows = [];
  const walk = (js, prefix) => {
    const required = new Set(js.required ?? []);
    for (const [key, field] of Object.entries(js.properties ?? {})) {
      if (prefix === '' && skip.has(key)) continue;
      const option = prefix + key;
      const def = 'default' in field ? codeCell(literal(field.default)) : required.has(key) ? 'required' : 'optional';
      rows.push({ option, type: typeCell(field), default: def, description: descriptions[option] ?? '' });
      if (field.type === 'object' && field.properties) walk(field, `${option}.`);
    }
  };
  walk(core.z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }), '');
  return rows;
}

/** The markdown table of `rows` (from {@link configOptionRows}). */
export function optionTable(rows) {
  return [
    '| option | type | default | description |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${codeCell(r.option)} | ${r.type} | ${r.default} | ${cell(r.description)} |`),
  ];
}
