import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  commandsIn,
  documentedInstallCommands,
  documentedPackCommand,
  INSTALL_PAGE,
  missingInternalDependencies,
  parseNpmInstall,
  readmeInstallCommand,
  specName,
  tarballPackages,
} from '../src/documented-installs.js';
import { publishedPackages, type WorkspacePackage } from '../src/workspace-packages.js';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));

describe('reading install commands from Markdown', () => {
  it('takes fenced lines and table cells, drops comments and prose mentions', () => {
    const markdown = [
      'Until the release `npm install @ait/core` fails.',
      '```sh',
      'npm install @ait/core   @tensorflow/tfjs-core@4.22.0   # the core',
      'npx ait --help',
      '```',
      '| package | install |',
      '|---|---|',
      '| core | `npm install --global @ait/cli` |',
    ].join('\n');
    expect(commandsIn(markdown, 'npm install')).toEqual([
      { line: 3, command: 'npm install @ait/core @tensorflow/tfjs-core@4.22.0' },
      { line: 8, command: 'npm install --global @ait/cli' },
    ]);
  });

  it('parses npm install and package specs', () => {
    expect(parseNpmInstall('npm install --global @ait/cli')).toEqual({
      args: ['install', '--global', '@ait/cli'],
      global: true,
      specs: ['@ait/cli'],
    });
    expect(specName('@ait/core@1.2.3')).toBe('@ait/core');
    expect(specName('@tensorflow/tfjs-core')).toBe('@tensorflow/tfjs-core');
    expect(specName('webgpu@0.6.2')).toBe('webgpu');
    expect(() => parseNpmInstall('pnpm add @ait/core')).toThrow(/Not an npm install command/);
  });

  it('knows which packages a tarball command installs and which it lacks', () => {
    const pkg = (name: string, deps: string[] = []): WorkspacePackage => ({
      dir: `/x/${name}`,
      manifest: { name, version: '1.0.0', dependencies: Object.fromEntries(deps.map((d) => [d, '^1.0.0'])) },
    });
    const published = [pkg('@ait/core'), pkg('@ait/hopfield', ['@ait/core']), pkg('@ait/vision', ['@ait/core', '@ait/hopfield'])];
    expect(tarballPackages('npm install $AIT/packs/ait-core-*.tgz $AIT/packs/ait-vision-*.tgz', published)).toEqual([
      '@ait/core',
      '@ait/vision',
    ]);
    expect(tarballPackages('npm install $AIT/packs/ait-*.tgz', published)).toEqual(['@ait/core', '@ait/hopfield', '@ait/vision']);
    expect(missingInternalDependencies(['@ait/core', '@ait/vision'], published)).toEqual(['@ait/hopfield']);
    expect(missingInternalDependencies(['@ait/core', '@ait/hopfield'], published)).toEqual([]);
    expect(() => tarballPackages('npm install $AIT/packs/ait-nope-*.tgz', published)).toThrow(/matches no published package/);
  });
});

describe('the documentation installs the packages one way (what the release check runs)', () => {
  const published = publishedPackages(ROOT);
  const documented = documentedInstallCommands(ROOT);
  const readme = new Map(published.map((pkg) => [pkg.manifest.name, readmeInstallCommand(ROOT, pkg).command]));
  const where = (c: { file: string; line: number; command: string }): string => `${c.file}:${c.line}: ${c.command}`;

  it('every package README gives its own install command', () => {
    expect(published.length).toBeGreaterThanOrEqual(5);
    for (const pkg of published) expect(parseNpmInstall(readme.get(pkg.manifest.name) ?? '').specs[0]).toBe(pkg.manifest.name);
  });

  it('every other registry install of an @ait package in the docs is one of those commands, word for word', () => {
    const registry = documented.filter((c) => !c.command.includes('$AIT/'));
    expect(registry.length).toBeGreaterThan(published.length);
    const allowed = new Set(readme.values());
    expect(registry.filter((c) => !allowed.has(c.command)).map(where)).toEqual([]);
    // the install page lists every one of them for after the release
    const onPage = new Set(registry.filter((c) => c.file === INSTALL_PAGE).map((c) => c.command));
    expect([...allowed].filter((c) => !onPage.has(c))).toEqual([]);
  });

  it('every tarball command names the tarballs of all the @ait packages it needs, and every package has one', () => {
    const tarball = documented.filter((c) => c.command.includes('$AIT/'));
    expect(tarball.every((c) => c.file === INSTALL_PAGE)).toBe(true);
    for (const c of tarball) expect(missingInternalDependencies(tarballPackages(c.command, published), published), where(c)).toEqual([]);
    const covered = new Set(tarball.flatMap((c) => tarballPackages(c.command, published)));
    expect(published.map((p) => p.manifest.name).filter((name) => !covered.has(name))).toEqual([]);
    expect(documentedPackCommand(ROOT).command).toMatch(/pack --pack-destination "\$PWD\/packs"$/);
  });
});
