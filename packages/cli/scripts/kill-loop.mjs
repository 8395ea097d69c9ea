#!/usr/bin/env node
// @ts-check
/**
 * The kill loop of issue 22: trains a tiny AiT with `ait train` (from the sources, through tsx),
 * SIGKILLs it `--kills` times (default 40) at random moments, some of them right after a
 * checkpoint's temporary file appears (inside the write), resumes after each kill, and then checks
 * that
 *
 * - each resume continued from the newest checkpoint on disk at the kill (only the steps since the
 *   last checkpoint were lost),
 * - the finished run directory holds no temporary file,
 * - the final and the best checkpoint are bit for bit those of an uninterrupted run (every byte of
 *   the file apart from the `createdAt` time stamp in the header and the SHA-256 that covers it).
 *
 * Not part of CI (a few minutes); `test/kill-loop.test.ts` runs it with 3 kills.
 *
 * Usage: node scripts/kill-loop.mjs [--kills 40] [--seed 1] [--epochs 25] [--modes write,training,anytime,side-file]
 *        [--dir <folder>] [--keep] [--json]
 * (`--modes` cycles through the given kill moments instead of drawing them; see killCondition.)
 * Exit code 0 when every check passes, 1 when one fails, 2 for a usage error.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
// tsx's loader inside the CLI process itself, so that SIGKILL hits the process that trains
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** The tiny AiT's model overrides, shared with the tests (`test/helpers.ts`). */
const tinyAit = JSON.parse(readFileSync(join(packageDir, 'test', 'tiny-ait.json'), 'utf8'));

const CHECKPOINT = /^ckpt-s(\d+)-e(\d+)\.ckpt$/;
/** Temporary files: the checkpoint store's `.tmp-<name>.<pid>.<hex>` and the CLI's `<name>.tmp-<pid>`. */
const TEMPORARY = /(^\.tmp-)|(\.tmp-\d+$)|(\.tmp$)/;

/** A small seeded generator (mulberry32), so that a seed gives the same kill schedule. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function names(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Every path under `dir` (files and folders), relative to it. */
function walk(dir, base = dir) {
  const out = [];
  for (const name of names(dir)) {
    const path = join(dir, name);
    out.push(relative(base, path));
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) out.push(...walk(path, base));
  }
  return out;
}

/** The step checkpoints of a run, oldest first (by step, then epoch), as `ait train` names them. */
function checkpoints(run) {
  return names(join(run, 'checkpoints'))
    .map((name) => ({ name, m: CHECKPOINT.exec(name) }))
    .filter((e) => e.m !== null)
    .map((e) => ({ name: e.name, step: Number(e.m?.[1]), epoch: Number(e.m?.[2]) }))
    .sort((a, b) => a.step - b.step || a.epoch - b.epoch);
}

/** A YAML config of a tiny AiT on the triangle data: 64 examples, batch 16, a checkpoint every step. */
async function writeConfig(dir, epochs) {
  const path = join(dir, 'tiny.yaml');
  const text = [
    'model: ait-tiny',
    'dataset: triangle',
    'trainSize: 64',
    'testSize: 16',
    'batchSize: 16',
    `epochs: ${epochs}`,
    'backend: cpu',
    'checkpointEvery: 1',
    'modelConfig:',
    ...Object.entries(tinyAit).map(([k, v]) => `  ${k}: ${v}`),
  ].join('\n');
  await writeFile(path, `${text}\n`, 'utf8');
  return path;
}

/**
 * Runs `ait train args` and, when `killWhen` (polled every millisecond with the run's file names)
 * says so, SIGKILLs it. Resolves with how it ended and its stderr.
 */
function train(args, run, killWhen) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, '--conditions=@ait/source', 'src/cli.ts', 'train', ...args], {
      cwd: packageDir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const started = performance.now();
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d.toString();
    });
    let killedBy;
    const timer = killWhen
      ? setInterval(() => {
          if (child.exitCode !== null || killedBy !== undefined) return;
          const reason = killWhen({ ms: performance.now() - started, top: names(run), ckpt: names(join(run, 'checkpoints')) });
          if (reason) {
            killedBy = reason;
            child.kill('SIGKILL');
          }
        }, 1)
      : undefined;
    const guard = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      clearTimeout(guard);
      resolve({ code, signal, killedBy, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

/**
 * The kill condition of one attempt. `write`: right after the `k`-th new checkpoint temporary
 * file appears (inside that write); `training`: a random moment once training has begun (the
 * first temporary file seen); `anytime`: a random moment after the start (start-up and resume
 * included); `side-file`: right after a temporary file of run.json / metrics / curves appears,
 * or else inside the third checkpoint write.
 */
function killCondition(mode, random, run) {
  // temporary files of earlier, killed processes are no sign of this one's progress
  const before = new Set([...names(run), ...names(join(run, 'checkpoints'))]);
  const seen = new Set();
  let firstWriteAt;
  const k = 1 + Math.floor(random() * 3);
  const delay = Math.floor(random() * (mode === 'anytime' ? 6000 : 800));
  return ({ ms, top, ckpt }) => {
    for (const n of ckpt) if (n.startsWith('.tmp-') && !before.has(n)) seen.add(n);
    if (firstWriteAt === undefined && seen.size > 0) firstWriteAt = ms;
    if (mode === 'write' && seen.size >= k) return `inside checkpoint write ${k}`;
    if (mode === 'side-file') {
      const side = top.find((n) => TEMPORARY.test(n) && !before.has(n));
      if (side) return `inside the write of ${side}`;
      if (seen.size >= 3) return 'inside checkpoint write 3';
    }
    if (mode === 'training' && firstWriteAt !== undefined && ms - firstWriteAt >= delay) return `${delay} ms into training`;
    if (mode === 'anytime' && ms >= delay) return `${delay} ms after the start`;
    return undefined;
  };
}

/** The file with the `createdAt` value of its JSON header replaced by a fixed string of the same length. */
function withoutTimestamp(bytes) {
  const headerLength = bytes.readUInt32LE(12);
  const header = bytes.subarray(24, 24 + headerLength).toString('utf8');
  const fixed = header.replace(/"createdAt":"[^"]*"/, (m) => `"createdAt":"${'-'.repeat(m.length - 14)}"`);
  const out = Buffer.from(bytes);
  Buffer.from(fixed, 'utf8').copy(out, 24);
  return out.subarray(0, out.length - 32); // the SHA-256 covers the time stamp
}

/** The JSON header and the tensor bytes of a checkpoint file. */
function parts(bytes) {
  const headerLength = bytes.readUInt32LE(12);
  return {
    header: JSON.parse(bytes.subarray(24, 24 + headerLength).toString('utf8')),
    payload: bytes.subarray(24 + headerLength, bytes.length - 32),
  };
}

/** Dotted paths at which two JSON values differ (at most `max`). */
function differences(a, b, path = '', max = 6) {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const objects = a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b);
  if (!objects) return [path || '(root)'];
  const out = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    out.push(...differences(a[k], b[k], path ? `${path}.${k}` : k, max));
    if (out.length >= max) break;
  }
  return out.length > 0 ? out : [`${path || '(root)'} (key order)`];
}

/** Whether two checkpoint files are identical apart from the time stamp; what differs when they are not. */
function compareCheckpoints(a, b) {
  const x = withoutTimestamp(readFileSync(a));
  const y = withoutTimestamp(readFileSync(b));
  if (x.length === y.length && x.every((v, i) => v === y[i])) return undefined;
  const p = parts(readFileSync(a));
  const q = parts(readFileSync(b));
  const sameTensors = Buffer.compare(p.payload, q.payload) === 0;
  delete p.header.createdAt;
  delete q.header.createdAt;
  return `${sameTensors ? 'the tensor bytes are identical, ' : 'the tensor bytes differ, '}header differs at ${differences(p.header, q.header).join(', ')}`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      kills: { type: 'string', default: '40' },
      seed: { type: 'string', default: '1' },
      epochs: { type: 'string' },
      dir: { type: 'string' },
      modes: { type: 'string' },
      keep: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  const kills = Number(values.kills);
  const seed = Number(values.seed);
  const modeNames = ['write', 'training', 'anytime', 'side-file'];
  const cycle = values.modes?.split(',') ?? [];
  if (!Number.isInteger(kills) || kills < 0 || !Number.isInteger(seed) || cycle.some((m) => !modeNames.includes(m))) {
    process.stderr.write(`kill-loop: --kills must be an integer >= 0, --seed an integer, --modes a list of ${modeNames.join(', ')}.\n`);
    return 2;
  }
  // about 1.5 steps of progress per kill, and room to spare: 4 steps per epoch
  const epochs = values.epochs !== undefined ? Number(values.epochs) : Math.max(3, Math.ceil((kills * 2.5) / 4));
  const random = seededRandom(seed);
  const say = (line) => {
    if (!values.json) process.stdout.write(`${line}\n`);
  };
  const root = values.dir ?? (await mkdtemp(join(tmpdir(), 'ait-kill-loop-')));
  await mkdir(root, { recursive: true });
  const config = await writeConfig(root, epochs);
  const reference = join(root, 'reference');
  const killed = join(root, 'killed');
  const failures = [];
  const log = [];

  say(`kill loop: ${kills} kills, seed ${seed}, ${epochs} epochs of 4 steps, in ${root}`);
  const ref = await train(['--config', config, '--out', reference, '--quiet'], reference);
  if (ref.code !== 0) throw new Error(`the uninterrupted run failed (exit ${ref.code}): ${ref.stderr}`);
  say(`uninterrupted run: ${ref.seconds.toFixed(1)} s`);

  // \`--resume\` once a checkpoint exists (with the backend: a resume picks \`auto\` otherwise), the
  // command of a new run before (a run folder without a checkpoint starts again)
  const trainArgs = (resume) =>
    resume ? ['--resume', killed, '--backend', 'cpu', '--json'] : ['--config', config, '--out', killed, '--json'];
  const modes = ['write', 'write', 'training', 'training', 'anytime', 'side-file'];
  let done = 0;
  let attempts = 0;
  let completedEarly = false;
  const started = performance.now();
  while (done < kills) {
    attempts++;
    const latest = checkpoints(killed).at(-1);
    const mode = cycle.length > 0 ? cycle[(attempts - 1) % cycle.length] : modes[Math.floor(random() * modes.length)];
    const r = await train(trainArgs(latest !== undefined), killed, killCondition(mode, random, killed));
    const resumedFrom = /Resuming .* from (\S+) \(epoch \d+, step (\d+)\)/.exec(r.stderr);
    // (a kill during start-up comes before the resume line)
    if (latest && resumedFrom && resumedFrom[1] !== join(killed, 'checkpoints', latest.name)) {
      failures.push(`attempt ${attempts}: resumed from ${resumedFrom[1]}, not from the newest checkpoint ${latest.name}`);
    }
    if (r.signal !== 'SIGKILL') {
      if (r.code === 0) {
        completedEarly = true;
        say(`attempt ${attempts}: the run finished before the kill (${mode}); stopping after ${done} kills`);
        break;
      }
      failures.push(`attempt ${attempts}: exited with ${r.code} instead of being killed:\n${r.stderr}`);
      break;
    }
    done++;
    const after = checkpoints(killed).at(-1);
    const leftover = walk(killed).filter((p) => TEMPORARY.test(p.split('/').at(-1) ?? ''));
    const entry = {
      kill: done,
      mode,
      when: r.killedBy,
      resumedFromStep: resumedFrom ? Number(resumedFrom[2]) : null,
      newestCheckpointStep: after?.step ?? null,
      temporaryFilesLeft: leftover,
    };
    log.push(entry);
    say(
      `kill ${String(done).padStart(2)}: ${r.killedBy} (${r.seconds.toFixed(1)} s); ` +
        `${resumedFrom ? `resumed at step ${resumedFrom[2]}` : latest ? 'killed before resuming' : 'a new run'}, ` +
        `newest checkpoint then at step ${entry.newestCheckpointStep ?? 'none'}` +
        (leftover.length > 0 ? `; left behind: ${leftover.join(', ')}` : ''),
    );
  }

  const final = await train(trainArgs(checkpoints(killed).length > 0), killed);
  if (final.code !== 0) failures.push(`the final resume failed (exit ${final.code}):\n${final.stderr}`);
  const seconds = (performance.now() - started) / 1000;

  const leftovers = walk(killed).filter((p) => TEMPORARY.test(p.split('/').at(-1) ?? '') || p.endsWith('train.lock'));
  if (leftovers.length > 0) failures.push(`temporary files left in the run: ${leftovers.join(', ')}`);
  const setAside = walk(killed).filter((p) => p.split('/').at(-1)?.startsWith('set-aside-'));
  if (setAside.length > 0) failures.push(`checkpoints were set aside (a resume did not start from the newest): ${setAside.join(', ')}`);
  const lastRef = checkpoints(reference).at(-1);
  const lastKilled = checkpoints(killed).at(-1);
  if (!lastRef || !lastKilled || lastRef.name !== lastKilled.name) {
    failures.push(`final checkpoints differ in name: ${lastRef?.name} vs ${lastKilled?.name}`);
  } else {
    for (const name of [lastRef.name, 'best.ckpt']) {
      const problem = compareCheckpoints(join(reference, 'checkpoints', name), join(killed, 'checkpoints', name));
      if (problem) failures.push(`${name} is not identical to the uninterrupted run's: ${problem}`);
    }
  }
  const insideWrites = log.filter((e) => e.when?.startsWith('inside')).length;
  const temporariesSeenAfterKill = log.filter((e) => e.temporaryFilesLeft.length > 0).length;
  const result = {
    ok: failures.length === 0,
    kills: done,
    attempts,
    completedEarly,
    killsInsideWrites: insideWrites,
    killsThatLeftATemporaryFile: temporariesSeenAfterKill,
    finalCheckpoint: lastKilled ? join(killed, 'checkpoints', lastKilled.name) : null,
    referenceCheckpoint: lastRef ? join(reference, 'checkpoints', lastRef.name) : null,
    reference,
    killed,
    seconds: Math.round(seconds),
    failures,
    log,
  };
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else {
    say(
      `${done} kills in ${Math.round(seconds)} s (${insideWrites} aimed inside a write; ${temporariesSeenAfterKill} found a temporary ` +
        'file left behind)',
    );
    say(failures.length === 0 ? 'OK: no temporary file left, final and best checkpoints identical to the uninterrupted run' : 'FAILED:');
    for (const f of failures) say(`  - ${f}`);
  }
  if (!values.keep && values.dir === undefined) await rm(root, { recursive: true, force: true });
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`kill-loop: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
