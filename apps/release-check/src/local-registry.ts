import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** A running local verdaccio registry (see {@link startLocalRegistry}). */
export interface LocalRegistry {
  /** Base URL with a trailing slash, e.g. `http://127.0.0.1:43121/`. */
  url: string;
  port: number;
  /** Auth token of the local user created for publishing. */
  token: string;
  /** The `.npmrc` line that authenticates against this registry: `//127.0.0.1:PORT/:_authToken=...`. */
  authLine: string;
  /** Everything verdaccio printed so far (for error messages). */
  log(): string;
  /** Stops the registry and deletes its folder (storage, config, users). Safe to call twice. */
  stop(): Promise<void>;
}

/** Options for {@link startLocalRegistry}. */
export interface LocalRegistryOptions {
  /** Folder for the registry's config, storage and users; created, and removed by `stop()`. */
  dir: string;
  /**
   * How long to wait for the registry to answer `/-/ping` (default 120 s: on 2 cores busy with other
   * packages' tests and a training run, verdaccio once took over 30 s to answer at all).
   */
  startTimeoutMs?: number;
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('Could not find a free port on 127.0.0.1.'))));
    });
  });
}

/** The verdaccio config: storage in `dir`, no uplinks, reads for all, publishing for local users. */
function registryConfig(dir: string): string {
  return [
    `storage: ${JSON.stringify(join(dir, 'storage'))}`,
    'auth:',
    '  htpasswd:',
    `    file: ${JSON.stringify(join(dir, 'htpasswd'))}`,
    '    max_users: 10',
    'uplinks: {}',
    'packages:',
    "  '**':",
    '    access: $all',
    '    publish: $authenticated',
    '    unpublish: $authenticated',
    'web:',
    '  enable: false',
    'publish:',
    '  allow_offline: true',
    'log: { type: stdout, format: pretty, level: warn }',
    '',
  ].join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts verdaccio (the devDependency of this package) on 127.0.0.1 at a free port with its
 * storage in `options.dir` and no uplinks, so nothing is proxied to or from the public npm
 * registry, waits until it answers, and creates a local user whose token can publish. Call
 * `stop()` in a `finally` / `afterAll`: it ends the process and removes `options.dir`.
 */
export async function startLocalRegistry(options: LocalRegistryOptions): Promise<LocalRegistry> {
  const { dir } = options;
  mkdirSync(dir, { recursive: true });
  const configFile = join(dir, 'config.yaml');
  writeFileSync(configFile, registryConfig(dir));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const require = createRequire(import.meta.url);
  const bin = join(dirname(require.resolve('verdaccio/package.json')), 'bin', 'verdaccio');
  const child = spawn(process.execPath, [bin, '--config', configFile, '--listen', `127.0.0.1:${port}`], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VERDACCIO_STORAGE_PATH: join(dir, 'storage') },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`verdaccio exited with status ${child.exitCode} before it started.`);
      try {
        const response = await fetch(`${url}-/ping`);
        if (response.ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`verdaccio did not answer on ${url} within the start timeout.`);
      await sleep(200);
    }
    const user = 'release-check';
    const response = await fetch(`${url}-/user/org.couchdb.user:${user}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: user, password: `local-only-${port}`, email: 'release-check@example.invalid' }),
    });
    const body = (await response.json()) as { token?: string; error?: string };
    if (!response.ok || typeof body.token !== 'string') {
      throw new Error(`Could not create a user on the local registry (${response.status}: ${body.error ?? 'no token'}).`);
    }
    const token = body.token;
    return { url, port, token, authLine: `//127.0.0.1:${port}/:_authToken=${token}`, log: () => output, stop };
  } catch (error) {
    await stop();
    throw new Error(`Local registry failed to start: ${(error as Error).message}\nverdaccio output:\n${output.slice(-4000)}`);
  }
}
