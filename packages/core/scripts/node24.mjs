// Fetches Node 24 (the Node whose V8 revectorizes @ait/core's WebAssembly kernels: see the
// package README) from the npm registry, where it is published as `node-<os>-<cpu>` (the same
// binaries as nodejs.org), into the repository's git-ignored .tools/ folder, without touching the
// Node that runs this script. Exits 1, saying why, when it cannot (no registry, unsupported
// platform); messages go to stderr.
//
// `node scripts/node24.mjs` prints the path of Node 24's `node` binary on stdout;
// `node scripts/node24.mjs <command> [args...]` runs the command with Node 24 first on PATH (so
// that `node` and the node_modules/.bin shims run under it) and exits with its status.
// Used by `pnpm bench:node24` (bench/run.ts --node=24), `pnpm test:node24` and CI (.ci/run).
// AIT_NODE24_VERSION picks another 24.x release than the pinned one (then only npm's own
// integrity check applies).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The pinned release, and the sha512 of its linux-x64 tarball as the npm registry lists it. */
const PINNED = '24.22.3';
const PINNED_INTEGRITY = {
  'linux-x64': 'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
};

const version = process.env.AIT_NODE24_VERSION || PINNED;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const tools = join(repoRoot, '.tools');

/** The temporary folder of a download in progress (removed on failure too). */
let work;

function fail(message) {
  if (work) rmSync(work, { recursive: true, force: true });
  process.stderr.write(`node24: ${message}\n`);
  process.exit(1);
}

if (!/^24\.\d+\.\d+$/.test(version)) fail(`AIT_NODE24_VERSION must be a 24.x.y release, got "${version}".`);
const os = { linux: 'linux', darwin: 'darwin' }[process.platform];
const cpu = { x64: 'x64', arm64: 'arm64' }[process.arch];
if (!os || !cpu) fail(`no Node 24 package for ${process.platform}-${process.arch} is handled here (linux and macOS on x64 or arm64 are).`);
const platform = `${os}-${cpu}`;
const pkg = `node-${platform}`;
const target = join(tools, `node-v${version}-${platform}`);
const binary = join(target, 'bin', 'node');

/** The version `node --version` prints, or null when it does not run. */
function runs(path) {
  if (!existsSync(path)) return null;
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 60_000 });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Prints the binary's path, or runs the command line given to this script under it. */
function done() {
  const command = process.argv.slice(2);
  if (command.length === 0) {
    process.stdout.write(`${binary}\n`);
    process.exit(0);
  }
  const env = { ...process.env, PATH: `${dirname(binary)}${delimiter}${process.env.PATH ?? ''}` };
  const r = spawnSync(command[0], command.slice(1), { stdio: 'inherit', env });
  if (r.error) fail(`could not run ${command[0]}: ${r.error.message}`);
  process.exit(r.status ?? 1);
}

if (runs(binary) === `v${version}`) done();

mkdirSync(tools, { recursive: true });
work = mkdtempSync(join(tools, '.node24-'));
try {
  process.stderr.write(`node24: fetching ${pkg}@${version} from the npm registry (about 50 MB) into ${tools} ...\n`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const packed = spawnSync(npm, ['pack', `${pkg}@${version}`, '--pack-destination', work, '--json', '--loglevel=error'], {
    encoding: 'utf8',
    timeout: 900_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (packed.error || packed.status !== 0) {
    const why = packed.error ? packed.error.message : `${packed.stderr}`.trim().split('\n').slice(-6).join(' | ');
    fail(`could not download ${pkg}@${version} from the npm registry (npm pack: ${why || `exit ${packed.status}`}).`);
  }
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (!tarball) fail(`npm pack ${pkg}@${version} wrote no tarball.`);
  const expected = version === PINNED ? PINNED_INTEGRITY[platform] : undefined;
  if (expected) {
    const actual = `sha512-${createHash('sha512')
      .update(readFileSync(join(work, tarball)))
      .digest('base64')}`;
    if (actual !== expected) fail(`${tarball} has integrity ${actual}, expected ${expected}; refusing to use it.`);
  }
  const untar = spawnSync('tar', ['xzf', tarball], { cwd: work, encoding: 'utf8', timeout: 300_000 });
  if (untar.error || untar.status !== 0) fail(`could not unpack ${tarball}: ${untar.error?.message ?? untar.stderr}`);
  const unpacked = join(work, 'package');
  const got = runs(join(unpacked, 'bin', 'node'));
  if (got !== `v${version}`) fail(`the unpacked ${pkg}@${version} does not run here (it printed ${got ?? 'nothing'}).`);
  rmSync(target, { recursive: true, force: true });
  try {
    renameSync(unpacked, target);
  } catch (err) {
    // another run may have put it there meanwhile
    if (runs(binary) !== `v${version}`) throw err;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (runs(binary) !== `v${version}`) fail(`${binary} does not run after unpacking.`);
process.stderr.write(`node24: Node v${version} is at ${binary}\n`);
done();
