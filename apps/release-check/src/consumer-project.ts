import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './run-command.js';

/** An npm dependency tree node as `npm ls --all --json` prints it. */
interface NpmTreeNode {
  version?: string;
  dependencies?: Record<string, NpmTreeNode>;
}

/**
 * The environment for npm / pnpm child processes: the current one without the `npm_config_*`,
 * `npm_package_*` and `npm_lifecycle_*` variables a parent `pnpm test` exports (they would
 * override the `.npmrc` files the release checks write), plus `extra`.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_config_|npm_package_|npm_lifecycle_|npm_command|PNPM_)/i.test(key)) continue;
    env[key] = value;
  }
  return {
    ...env,
    NO_UPDATE_NOTIFIER: '1',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...extra,
  };
}

/**
 * Writes a fresh npm project into `dir`: an ESM `package.json` and an `.npmrc` that takes only the
 * `@ait` scope from `registryUrl` (everything else comes from the normal npm registry; `null`: no
 * scope line, so an `@ait` package not given as a tarball fails to install), plus the files of
 * `fixtureDir`.
 */
export function prepareConsumerProject(dir: string, registryUrl: string | null, fixtureDir?: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'ait-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  writeFileSync(join(dir, '.npmrc'), `${registryUrl === null ? '' : `@ait:registry=${registryUrl}\n`}fund=false\naudit=false\n`);
  if (fixtureDir) for (const file of readdirSync(fixtureDir)) copyFileSync(join(fixtureDir, file), join(dir, file));
}

/**
 * The environment of a global npm install into a prefix of its own: `npm_config_prefix`, the user
 * config `userConfig`, and the machine's global npm config kept. npm reads its global config from
 * `<prefix>/etc/npmrc`, so a new prefix alone would drop what the machine sets there (a `cafile`
 * for a proxy's certificate, for instance: without it every registry request fails and npm falls
 * back to its cache after a minute per package).
 */
export function globalInstallEnv(prefix: string, userConfig: string): Record<string, string> {
  const globalConfig = execFileSync('npm', ['config', 'get', 'globalconfig'], { encoding: 'utf8', env: cleanEnv() }).trim();
  return { npm_config_prefix: prefix, npm_config_userconfig: userConfig, npm_config_globalconfig: globalConfig };
}

/**
 * Runs `npm <args>` in `dir` (e.g. a documented install command's arguments) with a clean environment plus `extraEnv`.
 * The time limit allows a cold npm cache on a loaded 2-core CI machine (the CLI's dependencies, MNIST and tfjs'
 * wasm binaries included, are tens of MB).
 */
export async function runNpm(dir: string, args: readonly string[], extraEnv: Record<string, string> = {}): Promise<void> {
  await runCommand('npm', args, {
    cwd: dir,
    env: cleanEnv({ npm_config_registry: 'https://registry.npmjs.org/', ...extraEnv }),
    timeoutMs: 600_000,
  });
}

/**
 * Every package name installed in the project at `dir` (whole tree, deduplicated), with its
 * versions; with `globalPrefix`, the global packages under that npm prefix instead.
 */
export async function installedPackages(dir: string, globalPrefix?: string): Promise<Map<string, Set<string>>> {
  const { stdout } = await runCommand('npm', ['ls', '--all', '--json', ...(globalPrefix === undefined ? [] : ['--global'])], {
    cwd: dir,
    env: cleanEnv(globalPrefix === undefined ? {} : { npm_config_prefix: globalPrefix }),
  });
  const root = JSON.parse(stdout) as NpmTreeNode;
  const found = new Map<string, Set<string>>();
  const walk = (node: NpmTreeNode): void => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      const versions = found.get(name) ?? new Set<string>();
      const seen = versions.has(child.version ?? '?');
      versions.add(child.version ?? '?');
      found.set(name, versions);
      if (!seen) walk(child);
    }
  };
  walk(root);
  return found;
}
