// Writes docs/reference/cli.md from the `ait` programme's own commander definitions.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Escapes text for a markdown table cell. */
const cell = (s) =>
  String(s ?? '')
    .replace(/\n/g, ' ')
    .replace(/\|/g, '\\|')
    // Outside code spans, < and > would be read as HTML (and by Vue as tags); inside, markdown escapes them itself.
    .split('`')
    .map((part, i) => (i % 2 === 0 ? part.replace(/</g, '&lt;').replace(/>/g, '&gt;') : part))
    .join('`');

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
    for (const a of args)
      lines.push(`| \`${cell(a.name())}${a.variadic ? '...' : ''}\` | ${a.required ? 'yes' : 'no'} | ${cell(a.description)} |`);
    lines.push('');
  }
  const options = cmd.options.filter((o) => !o.hidden);
  if (options.length > 0) {
    lines.push('| option | description | choices | default |', '|---|---|---|---|');
    for (const o of options) {
      const choices = o.argChoices ? o.argChoices.map((c) => `\`${cell(c)}\``).join(', ') : '';
      const def = o.defaultValue === undefined ? '' : `\`${cell(JSON.stringify(o.defaultValue))}\``;
      lines.push(`| \`${cell(o.flags)}\` | ${cell(o.description)} | ${choices} | ${def} |`);
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
