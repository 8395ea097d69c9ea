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
 * Creates a fresh npm project in `dir` (an ESM `package.json` and an `.npmrc` that takes only
 * the `@ait` scope from `registryUrl`; everything else comes from the normal npm registry),
 * copies the files of `fixtureDir` into it and installs `specs` (e.g. `['@ait/hopfield@0.1.0']`) with npm.
 */
export async function createConsumerProject(
  dir: string,
  registryUrl: string,
  specs: readonly string[],
  fixtureDir?: string,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'ait-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  writeFileSync(join(dir, '.npmrc'), `@ait:registry=${registryUrl}\nfund=false\naudit=false\n`);
  if (fixtureDir) for (const file of readdirSync(fixtureDir)) copyFileSync(join(fixtureDir, file), join(dir, file));
  await runCommand('npm', ['install', ...specs, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    env: cleanEnv({ npm_config_registry: 'https://registry.npmjs.org/' }),
    timeoutMs: 240_000,
  });
}

/** Every package name installed in the project at `dir` (whole tree, deduplicated), with its versions. */
export async function installedPackages(dir: string): Promise<Map<string, Set<string>>> {
  const { stdout } = await runCommand('npm', ['ls', '--all', '--json'], { cwd: dir, env: cleanEnv() });
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
