import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { publishedPackages, type WorkspacePackage } from './workspace-packages.js';

/** One install command as the documentation writes it. */
export interface DocumentedCommand {
  /** The Markdown file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the command in that file. */
  readonly line: number;
  /** The command without a trailing `# comment`, spaces collapsed. */
  readonly command: string;
}

/** The page that says how to install before the first release (tarballs, local registry). */
export const INSTALL_PAGE = 'apps/docs/docs/guide/install.md';

/** Where the tarball commands of {@link INSTALL_PAGE} expect the clone: `$AIT`. */
export const CLONE_VARIABLE = 'AIT';

/**
 * The Markdown files users read for installing: the root README, every package README and the
 * hand-written docs pages (not the generated API and CLI reference).
 */
export function documentationFiles(root: string): string[] {
  const files = [join(root, 'README.md')];
  for (const pkg of publishedPackages(root)) files.push(join(pkg.dir, 'README.md'));
  const docs = join(root, 'apps', 'docs', 'docs');
  const generated = new Set([join(docs, 'api'), join(docs, 'reference', 'cli.md')]);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (generated.has(path)) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(docs)) walk(docs);
  return files.filter((file) => existsSync(file));
}

/** `text` without a shell comment (` # ...`) and with runs of spaces collapsed. */
function normalise(text: string): string {
  return text
    .replace(/\s+#.*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The shell commands of one Markdown text that start with `prefix` (e.g. `npm install`): lines of
 * fenced code blocks, and inline code spans in table rows. Inline code in prose is a mention (such
 * as "`npm install @ait/core` fails"), not an instruction, and is left out.
 */
export function commandsIn(markdown: string, prefix: string): { line: number; command: string }[] {
  const found: { line: number; command: string }[] = [];
  let fenced = false;
  markdown.split('\n').forEach((text, i) => {
    if (/^\s*(```|~~~)/.test(text)) {
      fenced = !fenced;
      return;
    }
    if (fenced) {
      if (text.trim().startsWith(`${prefix} `)) found.push({ line: i + 1, command: normalise(text) });
      return;
    }
    if (!text.trimStart().startsWith('|')) return;
    for (const span of text.matchAll(/`([^`]+)`/g)) {
      const code = span[1] ?? '';
      if (code.startsWith(`${prefix} `)) found.push({ line: i + 1, command: normalise(code) });
    }
  });
  return found;
}

/** Every `npm install` command of the documentation that installs an `@ait` package (from a registry or a tarball). */
export function documentedInstallCommands(root: string): DocumentedCommand[] {
  return documentationFiles(root).flatMap((file) =>
    commandsIn(readFileSync(file, 'utf8'), 'npm install')
      .filter(({ command }) => command.includes('@ait/') || command.includes(`$${CLONE_VARIABLE}/packs/`))
      .map(({ line, command }) => ({ file: relative(root, file), line, command })),
  );
}

/** `npm install` split into its flags and the package specs it names. */
export function parseNpmInstall(command: string): { args: string[]; global: boolean; specs: string[] } {
  const args = command.split(' ');
  if (args[0] !== 'npm' || args[1] !== 'install') throw new Error(`Not an npm install command: ${command}`);
  const rest = args.slice(2);
  return {
    args: args.slice(1),
    global: rest.includes('--global') || rest.includes('-g'),
    specs: rest.filter((arg) => !arg.startsWith('-')),
  };
}

/** The package name of a spec: `@ait/core@1.0.0` -> `@ait/core`, `webgpu` -> `webgpu`. */
export function specName(spec: string): string {
  const at = spec.indexOf('@', 1);
  return at < 0 ? spec : spec.slice(0, at);
}

/**
 * The command a package's README gives to install it after the release: the first documented
 * `npm install` in `packages/<dir>/README.md` whose first package is the package itself. Throws,
 * naming the file, when the README has none.
 */
export function readmeInstallCommand(root: string, pkg: WorkspacePackage): DocumentedCommand {
  const file = relative(root, join(pkg.dir, 'README.md'));
  const command = documentedInstallCommands(root).find(
    (c) => c.file === file && specName(parseNpmInstall(c.command).specs[0] ?? '') === pkg.manifest.name,
  );
  if (!command) {
    throw new Error(`${file} gives no \`npm install ${pkg.manifest.name} ...\` command: its Install section must have one.`);
  }
  return command;
}

/** The packages a tarball command installs: `$AIT/packs/ait-core-*.tgz` -> `@ait/core`; `ait-*.tgz` -> every package. */
export function tarballPackages(command: string, published: readonly WorkspacePackage[]): string[] {
  const names = new Set<string>();
  for (const match of command.matchAll(new RegExp(`\\$${CLONE_VARIABLE}/packs/ait-([a-z-]*)\\*\\.tgz`, 'g'))) {
    const stem = (match[1] ?? '').replace(/-$/, '');
    const hits = published.filter((p) => (stem === '' ? true : p.manifest.name === `@ait/${stem}`));
    if (hits.length === 0) throw new Error(`"${match[0]}" matches no published package's tarball.`);
    for (const hit of hits) names.add(hit.manifest.name);
  }
  return [...names].sort();
}

/** The `@ait` packages `names` need but do not include (their internal dependencies, transitively). */
export function missingInternalDependencies(names: readonly string[], published: readonly WorkspacePackage[]): string[] {
  const byName = new Map(published.map((p) => [p.manifest.name, p]));
  const needed = new Set<string>();
  const visit = (name: string): void => {
    for (const dep of Object.keys(byName.get(name)?.manifest.dependencies ?? {})) {
      if (!byName.has(dep) || needed.has(dep)) continue;
      needed.add(dep);
      visit(dep);
    }
  };
  names.forEach(visit);
  return [...needed].filter((name) => !names.includes(name)).sort();
}

/** The line of {@link INSTALL_PAGE} that packs the packages into `packs/` (`... pack --pack-destination ...`). */
export function documentedPackCommand(root: string): DocumentedCommand {
  const file = join(root, INSTALL_PAGE);
  const hit = commandsIn(readFileSync(file, 'utf8'), 'npx').find(({ command }) => / pack --pack-destination /.test(command));
  if (!hit) throw new Error(`${INSTALL_PAGE} gives no pack command (\`... pack --pack-destination ...\`) for the tarball install.`);
  return { file: INSTALL_PAGE, ...hit };
}
