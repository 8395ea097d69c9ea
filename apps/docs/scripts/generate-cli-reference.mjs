// Writes docs/reference/cli.md from the `ait` programme's own commander definitions.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { cell, codeCell } from './markdown-cells.mjs';

/**
 * The default of a commander option, or undefined when it has none: the value commander holds
 * (`option.defaultValue`, shown as its `defaultValueDescription` where one is set), else the one its description
 * states. The CLI leaves most defaults to the commands (a declared default would beat a config file's value), so
 * the descriptions say them in a few fixed shapes: "(default 128)", "(default: the recipe; ...)",
 * "(see ...; default x)", and for options with choices "sample (default; ...)", "layers: ... (default)" or
 * "preset (..., the default)". Returns `{ value, code }`: `code` when the value is a literal to type (one word)
 * rather than a phrase such as "the recipe".
 * @param {{ description?: string, defaultValue?: unknown, defaultValueDescription?: string, argChoices?: string[] }} option
 * @returns {{ value: string, code: boolean } | undefined}
 */
export function optionDefault(option) {
  if (option.defaultValue !== undefined)
    return { value: option.defaultValueDescription ?? JSON.stringify(option.defaultValue), code: true };
  const description = option.description ?? '';
  const stated = description.match(/\((?:[^()]*?; )?default:? ([^;()]+?)\s*[;)]/);
  if (stated) {
    const value = stated[1].trim();
    return { value, code: !/\s/.test(value) };
  }
  const escape = (c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const chosen = (option.argChoices ?? []).filter((c) =>
    new RegExp(`(?:^|[\\s(])${escape(c)}(?: \\(default[;)]|: [^()]*\\(default\\)| \\([^()]*\\bthe default\\))`).test(description),
  );
  return chosen.length === 1 ? { value: chosen[0], code: true } : undefined;
}

/** The name of a positional argument as the usage line writes it: `<name>`, `[name]`, `<name...>`. */
const argumentName = (a) => (a.required ? `<${a.name()}${a.variadic ? '...' : ''}>` : `[${a.name()}${a.variadic ? '...' : ''}]`);

/** Loads `@ait/cli`, or throws an Error that says how to make it loadable. */
async function loadCli() {
  try {
    return await import('@ait/cli');
  } catch (err) {
    throw new Error(
      `docs: cannot load @ait/cli to generate the CLI reference (${err instanceof Error ? err.message : String(err)}). ` +
        'Build it first (`pnpm turbo run build --filter=@ait/docs` builds every package the docs depend on), then rebuild the docs.',
    );
  }
}

function commandPath(cmd) {
  const names = [];
  for (let c = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function walk(cmd, out) {
  out.push(cmd);
  for (const sub of cmd.commands) walk(sub, out);
  return out;
}

function renderCommand(cmd, level) {
  const path = commandPath(cmd);
  const lines = [`${'#'.repeat(level)} \`${path}\``, '', cmd.description() ? `${cell(cmd.description())}.`.replace(/\.\.$/, '.') : '', ''];
  lines.push('```', `${path} ${cmd.usage()}`.trim(), '```', '');
  const args = cmd.registeredArguments ?? [];
  if (args.length > 0) {
    lines.push('| argument | required | description |', '|---|---|---|');
    for (const a of args) lines.push(`| ${codeCell(argumentName(a))} | ${a.required ? 'yes' : 'no'} | ${cell(a.description)} |`);
    lines.push('');
  }
  const options = cmd.options.filter((o) => !o.hidden);
  if (options.length > 0) {
    lines.push('| option | description | choices | default |', '|---|---|---|---|');
    for (const o of options) {
      const choices = o.argChoices ? o.argChoices.map((c) => codeCell(c)).join(', ') : '';
      const found = optionDefault(o);
      const def = found === undefined ? '' : found.code ? codeCell(found.value) : cell(found.value);
      lines.push(`| ${codeCell(o.flags)} | ${cell(o.description)} | ${choices} | ${def} |`);
    }
    lines.push('');
  }
  // The exact text of `--help` (including the examples the command registers).
  let help = '';
  const saved = cmd._outputConfiguration;
  cmd.configureOutput({ ...saved, writeOut: (s) => (help += s), writeErr: (s) => (help += s) });
  cmd.outputHelp();
  cmd.configureOutput(saved);
  lines.push(
    '<details><summary>Output of <code>' + cell(path) + ' --help</code></summary>',
    '',
    '```text',
    help.trimEnd(),
    '```',
    '',
    '</details>',
    '',
  );
  return lines.join('\n');
}

/** Generates the CLI reference page; returns the number of commands documented. */
export async function generateCliReference(file) {
  const cli = await loadCli();
  const sink = { stdout: () => {}, stderr: () => {}, isTTY: false, handleSignals: false };
  const program = cli.buildProgram(sink, { code: 0 });
  const commands = walk(program, []);
  const parts = [
    '---',
    'title: CLI reference',
    '---',
    '',
    '# CLI reference',
    '',
    `Generated at build time from the \`ait\` programme's own definitions (\`@ait/cli\` ${cli.CLI_VERSION}, \`buildProgram\`): every`,
    'command, argument and option below is read from the commander objects the CLI runs, and the `--help` blocks are its',
    'own output. See the [CLI guide](/packages/cli) for a walk-through.',
    '',
    'Exit codes: 0 success, 1 failure, 2 usage error, 130 training stopped by Ctrl-C.',
    '',
    '| command | what it does |',
    '|---|---|',
    ...commands
      .filter((c) => c !== program && c.commands.length === 0)
      .map((c) => `| [\`${cell(commandPath(c))}\`](#${commandPath(c).replace(/ /g, '-')}) | ${cell(c.description())} |`),
    '',
  ];
  for (const c of commands) parts.push(renderCommand(c, c === program ? 2 : c.parent === program ? 2 : 3));
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, parts.join('\n'));
  return commands.length - 1;
}
