import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, globalInstallEnv, installedPackages, prepareConsumerProject, runNpm } from '../src/consumer-project.js';
import {
  CLONE_VARIABLE,
  documentedInstallCommands,
  documentedPackCommand,
  INSTALL_PAGE,
  parseNpmInstall,
  readmeInstallCommand,
  tarballPackages,
} from '../src/documented-installs.js';
import { startLocalRegistry, type LocalRegistry } from '../src/local-registry.js';
import { runCommand } from '../src/run-command.js';
import { readTarball, unexpectedFiles, unpublishableRanges } from '../src/tarball-contents.js';
import { copyWorkspace } from '../src/workspace-copy.js';
import { binEntries, publishedPackages, readManifest, type WorkspacePackage } from '../src/workspace-packages.js';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/**
 * The CLI takes part only when its package exists and builds (another engineer is writing it);
 * otherwise it is left out of the rehearsal and its test is skipped with this reason.
 */
const cliDir = join(ROOT, 'packages', 'cli');
let cliReason: string | undefined = !existsSync(join(cliDir, 'package.json'))
  ? 'packages/cli does not exist'
  : process.env.AIT_RELEASE_CHECK_WITHOUT_CLI
    ? 'AIT_RELEASE_CHECK_WITHOUT_CLI is set'
    : undefined;

/** A snapshot of what the release must never change in the real working tree. */
function realTreeState(): { versions: Record<string, string>; changesets: string[]; changelogs: string[] } {
  const versions: Record<string, string> = {};
  const changelogs: string[] = [];
  for (const pkg of publishedPackages(ROOT)) {
    versions[pkg.manifest.name] = pkg.manifest.version;
    if (existsSync(join(pkg.dir, 'CHANGELOG.md'))) changelogs.push(pkg.manifest.name);
  }
  const changesets = readdirSync(join(ROOT, '.changeset')).filter((file) => file.endsWith('.md') && file !== 'README.md');
  return { versions, changesets, changelogs };
}

/** Parses the last line of a program's output that is a JSON object. */
function lastJsonLine<T>(output: string): T {
  const line = output
    .trim()
    .split('\n')
    .reverse()
    .find((text) => text.trim().startsWith('{'));
  if (!line) throw new Error(`No JSON line in output:\n${output}`);
  return JSON.parse(line) as T;
}

/**
 * The install command a published package's README gives (read from the real tree: the copy leaves
 * the docs out), as npm arguments: the release check runs it exactly as users will.
 */
function documentedInstall(name: string): { where: string; args: string[] } {
  const pkg = publishedPackages(ROOT).find((p) => p.manifest.name === name);
  if (!pkg) throw new Error(`${name} is not a published workspace package.`);
  const command = readmeInstallCommand(ROOT, pkg);
  return { where: `${command.file}:${command.line}`, args: parseNpmInstall(command.command).args };
}

let work = '';
let repo = '';
let registry: LocalRegistry | undefined;
let before: ReturnType<typeof realTreeState>;
let released: WorkspacePackage[] = [];
let versionOf: Record<string, string> = {};

beforeAll(async () => {
  before = realTreeState();
  work = mkdtempSync(join(tmpdir(), 'ait-release-check-'));
  repo = join(work, 'repo');
  registry = await startLocalRegistry({ dir: join(work, 'registry') });

  // A copy of the workspace: versioning, building and publishing happen there, never in the real tree.
  copyWorkspace(ROOT, repo, {
    exclude: (path) => path.startsWith('apps/docs/') || (cliReason !== undefined && path.startsWith('packages/cli/')),
  });
  if (cliReason) {
    // a changeset naming @ait/cli would stop `changeset version` while the package does not exist
    for (const file of readdirSync(join(repo, '.changeset')).filter((name) => name.endsWith('.md'))) {
      if (/['"]@ait\/cli['"]\s*:/.test(readFileSync(join(repo, '.changeset', file), 'utf8'))) rmSync(join(repo, '.changeset', file));
    }
  }
  writeFileSync(join(repo, '.npmrc'), `registry=${registry.url}\n${registry.authLine}\n`);
  const env = cleanEnv({
    PATH: `${join(repo, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    npm_config_registry: registry.url,
    TURBO_TELEMETRY_DISABLED: '1',
    DO_NOT_TRACK: '1',
    TURBO_NO_UPDATE_NOTIFIER: '1',
    CI: 'true',
  });
  await runCommand('pnpm', ['run', 'version-packages'], { cwd: repo, env });
  // Build first on its own, so that a CLI that does not build yet leaves only the CLI out.
  const build = await runCommand('turbo', ['run', 'build', '--filter=./packages/*', '--continue', '--output-logs=errors-only'], {
    cwd: repo,
    env,
    timeoutMs: 360_000,
  }).then(
    () => undefined,
    (error: Error) => error,
  );
  const copyCli = join(repo, 'packages', 'cli');
  const cliBins = cliReason === undefined ? Object.values(binEntries(readManifest(copyCli))) : [];
  if (cliReason === undefined && (cliBins.length === 0 || !cliBins.every((bin) => existsSync(join(copyCli, bin))))) {
    cliReason = `packages/cli does not build yet: ${build?.message.slice(-1500) ?? 'its bin is missing after the build'}`;
    rmSync(copyCli, { recursive: true, force: true });
  }
  if (cliReason) console.warn(`[release-check] @ait/cli is left out of the release rehearsal: ${cliReason}`);
  const unbuilt = publishedPackages(repo).filter((pkg) => !existsSync(join(pkg.dir, 'dist', 'index.js')));
  if (unbuilt.length > 0) {
    throw new Error(
      `The release build failed for ${unbuilt.map((pkg) => pkg.manifest.name).join(', ')}: ${build?.message ?? 'no dist/index.js'}`,
    );
  }
  released = publishedPackages(repo);
  versionOf = Object.fromEntries(released.map((pkg) => [pkg.manifest.name, pkg.manifest.version]));
  console.info(
    `[release-check] versions after \`changeset version\`: ${released.map((pkg) => `${pkg.manifest.name}@${pkg.manifest.version}`).join(', ')}`,
  );
  // `pnpm release` = build every published package, then `changeset publish` (no git tags in a copy).
  await runCommand('pnpm', ['run', 'release', '--no-git-tag'], { cwd: repo, env, timeoutMs: 360_000 });
}, 900_000);

// The rehearsal's folder holds a workspace copy and several installed consumer projects: removing
// it has taken over two minutes on a slow CI disk. It is removed without blocking the event loop,
// and vitest (which also fails a hook that merely ran past its limit) allows it five minutes.
afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true, maxRetries: 3 });
}, 300_000);

describe('versioning with changesets (in a copy of the workspace)', () => {
  it('gives every published package a real version and a changelog, and bumps internal ranges', () => {
    expect(released.length).toBeGreaterThanOrEqual(4);
    for (const pkg of released) {
      expect(pkg.manifest.version, pkg.manifest.name).toMatch(/^\d+\.\d+\.\d+$/);
      expect(pkg.manifest.version, pkg.manifest.name).not.toBe('0.0.0');
      const changelog = readFileSync(join(pkg.dir, 'CHANGELOG.md'), 'utf8');
      expect(changelog.startsWith(`# ${pkg.manifest.name}\n`), pkg.manifest.name).toBe(true);
      expect(changelog).toContain(`## ${pkg.manifest.version}`);
    }
    // the pending changesets were consumed
    const left = readdirSync(join(repo, '.changeset')).filter((file) => file.endsWith('.md') && file !== 'README.md');
    expect(left).toEqual([]);
  });

  it('leaves the real working tree untouched (versions and pending changesets)', () => {
    const after = realTreeState();
    for (const [name, version] of Object.entries(before.versions)) expect(after.versions[name], name).toBe(version);
    for (const file of before.changesets) expect(after.changesets, file).toContain(file);
    expect(after.changelogs).toEqual(before.changelogs);
  });
});

describe('packed tarballs', () => {
  it('hold only built files, types, README, LICENSE, CHANGELOG and a package.json with real versions', async () => {
    const packs = join(work, 'packs');
    mkdirSync(packs, { recursive: true });
    for (const pkg of released) {
      const { stdout } = await runCommand('pnpm', ['pack', '--json', '--pack-destination', packs], {
        cwd: pkg.dir,
        env: cleanEnv({ PATH: `${join(repo, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` }),
      });
      const tarball = (JSON.parse(stdout) as { filename: string }).filename;
      const { files, manifest } = await readTarball(tarball.startsWith('/') ? tarball : join(packs, tarball));
      const name = manifest.name;
      expect(unexpectedFiles(files), `${name}: files a user does not need`).toEqual([]);
      for (const required of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/index.js', 'dist/index.d.ts']) {
        expect(files, `${name} must ship ${required}`).toContain(required);
      }
      for (const bin of Object.values(binEntries(manifest))) expect(files, `${name} bin`).toContain(bin.replace(/^\.\//, ''));
      expect(unpublishableRanges(manifest), `${name}: ranges left unresolved`).toEqual([]);
      // The in-repo source condition points at src/, which is not shipped: publishConfig.exports drops it.
      expect(JSON.stringify(manifest.exports ?? {}), `${name}: exports`).not.toContain('@ait/source');
      expect(manifest.version).toBe(versionOf[name]);
      for (const [dep, range] of Object.entries(manifest.dependencies ?? {})) {
        if (dep.startsWith('@ait/')) expect(range, `${name} -> ${dep}`).toBe(`^${versionOf[dep]}`);
      }
      expect(readFileSync(join(pkg.dir, 'LICENSE'), 'utf8')).toContain('MIT License');
    }
  });

  it('were all published to the local registry at their new versions', async () => {
    for (const pkg of released) {
      const response = await fetch(`${registry?.url}${pkg.manifest.name.replace('/', '%2f')}`);
      expect(response.status, pkg.manifest.name).toBe(200);
      const meta = (await response.json()) as { 'dist-tags': Record<string, string> };
      expect(meta['dist-tags'].latest, pkg.manifest.name).toBe(pkg.manifest.version);
    }
  });
});

describe('installing from the registry into a fresh project', () => {
  it('@ait/hopfield pulls in only @ait/core and tfjs, imports as ESM and CJS, type-checks and trains', async () => {
    const dir = join(work, 'hopfield-consumer');
    const version = versionOf['@ait/hopfield'];
    // the command of @ait/hopfield's README, word for word; then Node's types for the type check below
    prepareConsumerProject(dir, registry?.url ?? '', join(FIXTURES, 'hopfield-consumer'));
    await runNpm(dir, documentedInstall('@ait/hopfield').args);
    await runNpm(dir, ['install', '@types/node@^20.19.0']);
    const installed = await installedPackages(dir);
    const ours = [...installed.keys()].filter((name) => name.startsWith('@ait/')).sort();
    expect(ours).toEqual(['@ait/core', '@ait/hopfield']);
    expect([...(installed.get('@ait/core') ?? [])]).toEqual([versionOf['@ait/core']]);
    expect([...(installed.get('@ait/hopfield') ?? [])]).toEqual([version]);
    expect(installed.has('@tensorflow/tfjs-core') && installed.has('@tensorflow/tfjs-layers')).toBe(true);
    // nothing else from the monorepo: every other installed name is outside the workspace
    const workspaceNames = new Set(released.map((pkg) => pkg.manifest.name).concat(['ait-js', '@ait/examples', '@ait/release-check']));
    expect([...installed.keys()].filter((name) => workspaceNames.has(name) && !ours.includes(name))).toEqual([]);

    const env = cleanEnv();
    // ESM import resolves to the ESM build
    const esm = await runCommand(
      'node',
      [
        '--input-type=module',
        '-e',
        "const m = await import('@ait/hopfield'); console.log(JSON.stringify({ url: import.meta.resolve('@ait/hopfield'), n: Object.keys(m).length, pooling: typeof m.HopfieldPooling }))",
      ],
      { cwd: dir, env },
    );
    const esmFacts = lastJsonLine<{ url: string; n: number; pooling: string }>(esm.stdout);
    expect(esmFacts.url).toMatch(/node_modules\/@ait\/hopfield\/dist\/index\.js$/);
    expect(esmFacts.pooling).toBe('function');
    // CommonJS require resolves to the CJS build and runs a forward pass
    const cjs = lastJsonLine<{ resolved: string; exports: number; shape: number[]; finite: boolean }>(
      (await runCommand('node', ['require-check.cjs'], { cwd: dir, env })).stdout,
    );
    expect(cjs.resolved).toMatch(/node_modules\/@ait\/hopfield\/dist\/index\.cjs$/);
    expect(cjs.exports).toBe(esmFacts.n);
    expect(cjs.shape[0]).toBe(3);
    expect(cjs.shape.at(-1)).toBe(8);
    expect(cjs.finite).toBe(true);
    // strict type check of the example, then compile and run it: it trains a HopfieldPooling model
    await runCommand('node', [TSC, '-p', 'tsconfig.json'], { cwd: dir, env });
    // and with skipLibCheck off: tfjs' own declarations have known strict-mode errors, ours must have none
    const full = await runCommand('node', [TSC, '-p', 'tsconfig.json', '--noEmit', '--skipLibCheck', 'false'], { cwd: dir, env }).then(
      () => '',
      (error: Error) => error.message,
    );
    const errorFiles = [...full.matchAll(/^(\S+?)\(\d+,\d+\): error/gm)].map((match) => match[1] ?? '');
    expect(errorFiles.filter((file) => file.includes('@ait/') || !file.startsWith('node_modules/'))).toEqual([]);
    const run = lastJsonLine<{ losses: number[]; outputShape: number[]; params: number }>(
      (await runCommand('node', [join('build', 'train.js')], { cwd: dir, env })).stdout,
    );
    expect(run.losses).toHaveLength(6);
    expect(run.losses.every(Number.isFinite)).toBe(true);
    expect(run.losses.at(-1)).toBeLessThan(run.losses[0] ?? Number.NaN);
    expect(run.outputShape).toEqual([32, 2]);
    expect(run.params).toBeGreaterThan(0);
  }, 300_000);

  it('@ait/hopfield, as installed, bundles for the browser with esbuild: no Node built-in, under 0.5 MB gzip before initBackend', async () => {
    const dir = join(work, 'hopfield-consumer');
    // the install of the test before, as a user's project has it; esbuild from this workspace
    const result = await build({
      absWorkingDir: dir,
      entryPoints: ['page.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      // code splitting, as an application that loads backends on demand builds it: initBackend's
      // lazily imported backends (WebGL, WebGPU) become chunks of their own
      splitting: true,
      target: 'es2022',
      minify: true,
      write: false,
      outdir: join(dir, 'bundle'),
      logLevel: 'silent',
      metafile: true,
    });
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((w) => w.text)).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    // the browser build of @ait/core, never its Node entry
    expect(inputs.some((path) => /node_modules\/@ait\/core\/dist\/browser\.js$/.test(path))).toBe(true);
    expect(inputs.filter((path) => /@ait\/core\/dist\/index\.(js|cjs)$/.test(path))).toEqual([]);
    // what the page loads before initBackend picks a backend: the entry chunk and its static imports
    const entry = Object.entries(result.metafile.outputs).find(([, o]) => o.entryPoint !== undefined)?.[0];
    expect(entry).toBeDefined();
    const initial = new Set<string>();
    const visit = (out: string): void => {
      if (initial.has(out)) return;
      initial.add(out);
      for (const i of result.metafile.outputs[out]?.imports ?? []) if (i.kind === 'import-statement') visit(i.path);
    };
    visit(entry as string);
    const bytes = result.outputFiles
      .filter((file) => initial.has(relative(dir, file.path)))
      .reduce((sum, file) => sum + gzipSync(file.contents).byteLength, 0);
    expect(bytes).toBeGreaterThan(100 * 1024);
    expect(bytes).toBeLessThan(500 * 1024);
  }, 120_000);

  it('@ait/cli installs, answers --help and trains a tiny model (skipped when packages/cli is missing or does not build)', async (ctx) => {
    if (cliReason !== undefined) ctx.skip(cliReason);
    // `npm install --global @ait/cli` as the README writes it, into a global prefix of its own
    // (npm reads no project .npmrc in global mode: the @ait scope comes from a user config)
    const dir = join(work, 'cli-consumer');
    const prefix = join(work, 'cli-global');
    const userConfig = join(work, 'cli-npmrc');
    mkdirSync(dir, { recursive: true });
    writeFileSync(userConfig, `@ait:registry=${registry?.url ?? ''}\n`);
    const documented = documentedInstall('@ait/cli');
    expect(documented.args, documented.where).toContain('--global');
    await runNpm(dir, documented.args, globalInstallEnv(prefix, userConfig));
    const installed = await installedPackages(dir, prefix);
    const ours = [...installed.keys()].filter((name) => name.startsWith('@ait/')).sort();
    const cliDeps = Object.keys(readManifest(join(repo, 'packages', 'cli')).dependencies ?? {}).filter((name) => name.startsWith('@ait/'));
    expect(ours).toEqual(['@ait/cli', ...cliDeps].sort());
    for (const name of ours) expect([...(installed.get(name) ?? [])], name).toEqual([versionOf[name]]);

    const env = cleanEnv();
    const ait = join(prefix, 'bin', 'ait');
    const help = await runCommand(ait, ['--help'], { cwd: dir, env });
    expect(help.stdout).toContain('Usage: ait');
    expect(help.stdout).toContain('train');
    const version = await runCommand(ait, ['--version'], { cwd: dir, env });
    // The CLI inlines its package.json version at build time, so it reports the published version.
    expect(version.stdout.trim()).toBe(versionOf['@ait/cli']);
    // the README's other form, `npx --yes @ait/cli <command>`, from a project that takes @ait from the registry
    expect(readFileSync(join(ROOT, 'packages', 'cli', 'README.md'), 'utf8')).toContain('npx --yes @ait/cli <command>');
    const npxDir = join(work, 'cli-npx');
    prepareConsumerProject(npxDir, registry?.url ?? '');
    // a cache of its own: every rehearsal publishes the same version numbers, and npx would otherwise
    // reuse the @ait packages an earlier rehearsal left in the user's npx cache
    const npx = await runCommand('npx', ['--yes', '@ait/cli', '--version'], {
      cwd: npxDir,
      env: cleanEnv({ npm_config_registry: 'https://registry.npmjs.org/', npm_config_cache: join(work, 'npx-cache') }),
      timeoutMs: 600_000,
    });
    expect(npx.stdout.trim()).toBe(versionOf['@ait/cli']);
    const out = join(dir, 'run');
    const train = await runCommand(
      ait,
      [
        'train',
        '--model',
        'ait-tiny',
        '--dataset',
        'triangle',
        '--epochs',
        '1',
        '--train-size',
        '32',
        '--test-size',
        '16',
        '--batch-size',
        '16',
        '--max-steps',
        '2',
        '--backend',
        'cpu',
        '--out',
        out,
        '--json',
        '--quiet',
      ],
      { cwd: dir, env, timeoutMs: 180_000 },
    );
    const summary = JSON.parse(train.stdout) as { command: string; steps: number; lastCheckpoint: string };
    expect(summary.command).toBe('train');
    expect(summary.steps).toBe(2);
    expect(existsSync(summary.lastCheckpoint)).toBe(true);
  }, 1_500_000);
});

describe('installing as the documentation says', () => {
  it.each(['@ait/core', '@ait/vision', '@ait/datasets'])(
    "%s: its README's command installs it from the registry with its peers, and it imports",
    async (name) => {
      const dir = join(work, `readme-${name.replace('@ait/', '')}`);
      prepareConsumerProject(dir, registry?.url ?? '');
      await runNpm(dir, documentedInstall(name).args);
      // `npm ls` fails on a missing or invalid (peer) dependency
      const installed = await installedPackages(dir);
      expect([...(installed.get(name) ?? [])]).toEqual([versionOf[name]]);
      const imported = await runCommand(
        'node',
        ['--input-type=module', '-e', `const m = await import('${name}'); console.log(JSON.stringify({ n: Object.keys(m).length }))`],
        { cwd: dir, env: cleanEnv() },
      );
      expect(lastJsonLine<{ n: number }>(imported.stdout).n).toBeGreaterThan(5);
    },
    300_000,
  );

  it(`packed tarballs: the pack command and every tarball install of ${INSTALL_PAGE} work without the registry`, async () => {
    // in the versioned, built copy: the page's pack command, as written
    const pack = documentedPackCommand(ROOT);
    const env = cleanEnv({ PATH: `${join(repo, 'node_modules', '.bin')}:${process.env.PATH ?? ''}` });
    await runCommand('bash', ['-c', pack.command], { cwd: repo, env, timeoutMs: 240_000 });
    const tarballs = documentedInstallCommands(ROOT).filter((c) => c.command.includes(`$${CLONE_VARIABLE}/packs/`));
    expect(tarballs.length).toBeGreaterThanOrEqual(released.length);
    for (const [i, documented] of tarballs.entries()) {
      const names = tarballPackages(documented.command, released);
      // no @ait scope line: an @ait package missing from the command would be looked up on npmjs.org and fail
      const dir = join(work, `tarball-consumer-${i}`);
      prepareConsumerProject(dir, null);
      await runCommand('bash', ['-c', documented.command], {
        cwd: dir,
        env: cleanEnv({ [CLONE_VARIABLE]: repo, npm_config_registry: 'https://registry.npmjs.org/' }),
        timeoutMs: 240_000,
      });
      const installed = await installedPackages(dir);
      for (const name of names)
        expect([...(installed.get(name) ?? [])], `${documented.file}:${documented.line} ${name}`).toEqual([versionOf[name]]);
      if (names.includes('@ait/cli')) {
        const version = await runCommand('npx', ['--no', '--', 'ait', '--version'], { cwd: dir, env: cleanEnv() });
        expect(version.stdout.trim()).toBe(versionOf['@ait/cli']);
      }
    }
  }, 600_000);
});
