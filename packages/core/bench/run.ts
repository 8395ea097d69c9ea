/**
 * `pnpm bench`: matmul GFLOP/s for every transpose case, attention forward/backward and the
 * reference ViT's training step on every backend configuration, next to PyTorch on the same
 * machine when it can be imported. Writes JSON to bench-results/<timestamp>.json and prints a
 * table.
 *
 * Options: --quick (smaller sizes, fewer steps, no cpu training step), --configs=a,b (of
 * cpu, cpu-stock, wasm-stock, wasm-plain, wasm, wasm-threads, webgpu), --threads=N (wasm-threads and
 * PyTorch's multi-threaded run; default: logical cores), --steps=N, --no-torch, --node=a,b (the
 * Node versions the configurations run under, each a row of its own: `current`, the Node running
 * this script, and/or `24`, Node 24 fetched from the npm registry by scripts/node24.mjs into the
 * git-ignored .tools/; default `current`). `pnpm bench:node24` runs the wasm configurations under
 * both, next to PyTorch: Node 24's V8 revectorizes the kernels (see the README). --busy: after the
 * idle runs, runs every configuration again while another process keeps one core at 100 % (a
 * JavaScript busy loop), and reports each training step's slowdown (the `busy` rows of the JSON).
 *
 * webgpu (not run by default: it needs the `webgpu` package and a Vulkan/Metal/D3D12 driver):
 * tfjs-backend-webgpu as `initBackend({ backend: 'webgpu' })` starts it; on a software adapter
 * (lavapipe) it measures with the small sizes of the cpu configurations, and its numbers say
 * nothing about GPUs.
 *
 * wasm-plain: one thread, the plain SIMD build of the kernels; wasm: one thread, the build
 * `initBackend` picks (relaxed SIMD where the runtime has it); wasm-threads: what `initBackend`
 * does by default under Node, the GEMM pool on `--threads` threads.
 *
 * Each configuration runs in a child process of its own, so that the stock kernels, the fast
 * ones and the threaded build never share a process.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
// tfjs-layers registers tfjs' gradients (tfjs-core's node bundle registers none).
import '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/index';
import { registerFastKernels } from '../src/kernels/register-fast-kernels';
import { setSimdKernelBuild, simdKernelBuild } from '../src/kernels/wasm/simd-module';
import { benchAttention, benchMatMul, benchTrain, type KernelBenchResult } from '../src/benchmarks/kernel-benchmarks';
import { findTorchPython, runTorch, TORCH_HINT, type TorchResult } from './torch-reference';

const CONFIGS = ['cpu', 'cpu-stock', 'wasm-stock', 'wasm-plain', 'wasm', 'wasm-threads', 'webgpu'] as const;
type Config = (typeof CONFIGS)[number];

interface Options {
  quick: boolean;
  configs: Config[];
  threads: number;
  steps: number;
  torch: boolean;
  /** `current` and/or Node major versions to run the configurations under. */
  node: string[];
  /** Run every configuration a second time beside another process that keeps one core at 100 %. */
  busy: boolean;
}

function parseOptions(argv: string[]): Options & { worker?: Config } {
  const get = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const quick = argv.includes('--quick');
  const configs = (get('configs')?.split(',') ?? ['cpu', 'wasm-stock', 'wasm-plain', 'wasm', 'wasm-threads']) as Config[];
  for (const c of configs) {
    if (!CONFIGS.includes(c)) throw new Error(`bench: unknown config "${c}"; choose from ${CONFIGS.join(', ')}.`);
  }
  const worker = get('worker') as Config | undefined;
  return {
    quick,
    configs,
    threads: Number(get('threads') ?? Math.min(8, os.cpus().length)),
    steps: Number(get('steps') ?? (quick ? 3 : 6)),
    torch: !argv.includes('--no-torch'),
    node: get('node')?.split(',') ?? ['current'],
    busy: argv.includes('--busy'),
    ...(worker ? { worker } : {}),
  };
}

/** Runs 256 x 256 products for `ms` milliseconds. */
async function warmUp(ms: number): Promise<void> {
  const a = tf.randomNormal([256, 256]);
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const y = tf.matMul(a, a, false, true);
    await y.data();
    y.dispose();
  }
  a.dispose();
}

/** Measures one configuration in this process (the child side). */
async function runWorker(config: Config, opts: Options): Promise<KernelBenchResult> {
  const notes: string[] = [];
  let threads = 1;
  const backend = config.startsWith('cpu') ? 'cpu' : config === 'webgpu' ? 'webgpu' : 'wasm';
  let softwareAdapter = false;
  if (config === 'wasm-plain') setSimdKernelBuild('plain');
  if (config === 'webgpu') {
    const info = await initBackend({ backend: 'webgpu' });
    softwareAdapter = info.webgpuAdapter?.software ?? false;
    notes.push(
      `adapter: ${info.webgpuAdapter?.name ?? 'unknown'}${softwareAdapter ? ' (software: runs on the CPU, says nothing about GPUs)' : ''}`,
    );
  } else if (config === 'wasm' || config === 'wasm-plain' || config === 'wasm-threads') {
    // the library's own path: initBackend installs the fast kernels (and the GEMM pool)
    const info = await initBackend({ backend: 'wasm', wasmThreads: config === 'wasm-threads' ? opts.threads : 1 });
    threads = info.threads ?? 1;
    notes.push(
      `kernels: ${simdKernelBuild()}, ${info.gemmTile ?? '-'} GEMM tiles`,
      `revectorizer ${info.wasmRevectorize?.reason ?? 'not reported'}`,
    );
  } else {
    await tf.setBackend(backend);
    await tf.ready();
    if (!config.endsWith('-stock')) registerFastKernels(backend);
  }
  const slow = config === 'cpu' || config === 'cpu-stock' || softwareAdapter;
  // Warm up first: the threaded build's workers compile tfjs-wasm's module after start-up and take
  // CPU time from the first measurements otherwise; V8 also tiers the kernels up meanwhile.
  await warmUp(slow ? 300 : 1500);
  const sizes = slow ? [128, 256, 512] : opts.quick ? [128, 256, 512] : [128, 256, 512, 1024];
  const matmul = await benchMatMul(sizes, slow ? 100 : 300);
  const attention = await benchAttention(slow ? 2 : 10);
  const train = [];
  if (!(slow && opts.quick)) {
    const stockish = slow || config === 'wasm-stock';
    train.push(await benchTrain('plain', stockish ? 1 : opts.steps, stockish ? 1 : 2));
    if (!stockish) train.push(await benchTrain('fused', opts.steps, 2));
  } else {
    notes.push('training step skipped (--quick)');
  }
  notes.push(`node ${process.version} (V8 ${process.versions.v8})`);
  return { config, backend, threads, matmul, attention, train, notes };
}

/** A Node binary the configurations run under, and the label of its rows. */
interface NodeRuntime {
  path: string;
  version: string;
  label: string;
}

/** The Node binaries `--node` names: the running one, or Node 24 from scripts/node24.mjs. */
function resolveNodes(wanted: string[]): NodeRuntime[] {
  const major = (version: string): string => version.replace(/^v/, '').split('.')[0] as string;
  return wanted.map((w) => {
    if (w === 'current' || w === major(process.version)) {
      return { path: process.execPath, version: process.version, label: `node${major(process.version)}` };
    }
    if (w !== '24') throw new Error(`bench: --node takes "current" and/or "24" (fetched from the npm registry), got "${w}".`);
    const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'node24.mjs');
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 1_200_000 });
    const path = (r.stdout ?? '').trim().split('\n').pop() ?? '';
    if (r.status !== 0 || !path) throw new Error(`bench: could not get Node 24 (scripts/node24.mjs exited with ${r.status}).`);
    const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout.trim();
    return { path, version, label: `node${major(version)}` };
  });
}

function spawnWorker(config: Config, argv: string[], node: NodeRuntime): KernelBenchResult | string {
  const script = fileURLToPath(import.meta.url);
  const r = spawnSync(node.path, [...process.execArgv, script, ...argv, `--worker=${config}`], {
    encoding: 'utf8',
    timeout: 1_800_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line)
    return `exit ${r.status}: ${(r.stderr ?? '')
      .split('\n')
      .filter((l) => l.length < 400)
      .slice(-8)
      .join(' | ')}`;
  return JSON.parse(line.slice('BENCH_RESULT '.length)) as KernelBenchResult;
}

/** Starts a process that keeps one core at 100 % until it is killed (the `--busy` runs). */
function startSpinner(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
}

/** Prints each training step's time idle and beside a busy core, and their ratio. */
function reportBusy(idle: KernelBenchResult[], busy: KernelBenchResult[]): void {
  console.log('reference ViT training step with another process at 100 % on one core (--busy), median ms');
  const rows: string[][] = [];
  for (const b of busy) {
    const i = idle.find((r) => r.config === b.config);
    for (const t of b.train) {
      const it = i?.train.find((x) => x.variant === t.variant);
      rows.push([
        `${b.config} (${b.threads}t) ${t.variant}`,
        fmt(it?.median_ms, 0),
        fmt(t.median_ms, 0),
        it ? `${fmt(t.median_ms / it.median_ms, 2)}x` : '-',
      ]);
    }
  }
  printTable(['config', 'idle ms', 'busy ms', 'slowdown'], rows);
}

const fmt = (x: number | undefined, digits = 1): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  console.log('');
}

function report(results: KernelBenchResult[], torch: Record<string, TorchResult>, opts: Options): void {
  const torchFor = (r: KernelBenchResult): TorchResult | undefined => torch[String(r.threads)];
  const torchCols = Object.keys(torch).sort();
  console.log('\nmatmul GFLOP/s (n x n, best run, fresh operands each run; nt = a b^T)');
  const mmKeys = [...new Set(results.flatMap((r) => r.matmul.map((m) => `${m.n} ${m.case}`)))];
  printTable(
    [
      'case',
      ...results.map((r) => r.config),
      ...torchCols.map((t) => `torch ${t}t`),
      ...results.filter(torchFor).map((r) => `${r.config}/torch`),
    ],
    mmKeys.map((key) => {
      const find = (list: { n: number; case: string; gflops: number; ms: number }[]) => list.find((m) => `${m.n} ${m.case}` === key);
      return [
        key,
        ...results.map((r) => fmt(find(r.matmul)?.gflops)),
        ...torchCols.map((t) => fmt(find((torch[t] as TorchResult).matmul)?.gflops)),
        ...results.filter(torchFor).map((r) => {
          const a = find(r.matmul);
          const b = find((torchFor(r) as TorchResult).matmul);
          return a && b ? `${fmt(a.ms / b.ms, 2)}x` : '-';
        }),
      ];
    }),
  );
  console.log('attention [64, 4, 64, 32], ms (best run)');
  printTable(
    ['config', 'forward', 'fwd+bwd', 'fwd+bwd fused', 'torch fwd', 'torch fwd+bwd', 'ratio fwd+bwd'],
    results.map((r) => {
      const t = torchFor(r);
      const best = Math.min(r.attention.forward_backward_ms, r.attention.fused_forward_backward_ms ?? Infinity);
      return [
        `${r.config} (${r.threads}t)`,
        fmt(r.attention.forward_ms, 2),
        fmt(r.attention.forward_backward_ms, 2),
        fmt(r.attention.fused_forward_backward_ms, 2),
        fmt(t?.attention.forward_ms, 2),
        fmt(t?.attention.forward_backward_ms, 2),
        t ? `${fmt(best / t.attention.forward_backward_ms, 2)}x` : '-',
      ];
    }),
  );
  console.log(`reference ViT training step (batch 64 x 64 tokens, width 128, 2 blocks, Adam), median of ${opts.steps} steps`);
  const rows: string[][] = [];
  for (const r of results) {
    for (const t of r.train) {
      const tt = torchFor(r);
      const torchMed = tt ? [...tt.train.step_ms].sort((a, b) => a - b)[Math.floor(tt.train.step_ms.length / 2)] : undefined;
      rows.push([
        `${r.config} (${r.threads}t) ${t.variant}`,
        fmt(t.median_ms, 0),
        fmt(t.images_per_s, 1),
        `${fmt(Math.min(...t.step_ms), 0)}-${fmt(Math.max(...t.step_ms), 0)}`,
        fmt(torchMed, 0),
        torchMed ? `${fmt(t.median_ms / torchMed, 2)}x` : '-',
      ]);
    }
  }
  for (const t of torchCols) {
    const tr = torch[t] as TorchResult;
    const med = [...tr.train.step_ms].sort((a, b) => a - b)[Math.floor(tr.train.step_ms.length / 2)] as number;
    rows.push([
      `PyTorch ${tr.torch} (${t}t)`,
      fmt(med, 0),
      fmt(tr.train.images_per_s, 1),
      `${fmt(Math.min(...tr.train.step_ms), 0)}-${fmt(Math.max(...tr.train.step_ms), 0)}`,
      '',
      '',
    ]);
  }
  printTable(['config', 'step ms', 'images/s', 'range ms', 'torch ms', 'tfjs/torch'], rows);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const opts = parseOptions(argv);
  if (opts.worker) {
    const result = await runWorker(opts.worker, opts);
    console.log(`BENCH_RESULT ${JSON.stringify(result)}`);
    process.exit(0);
  }
  const nodes = resolveNodes(opts.node);
  // rows are named by their Node version whenever --node was given
  const labelled = argv.some((a) => a.startsWith('--node='));
  const startLoad = os.loadavg();
  const results: KernelBenchResult[] = [];
  const failures: Record<string, string> = {};
  for (const node of nodes) {
    for (const config of opts.configs) {
      const label = labelled ? `${config} ${node.label}` : config;
      process.stderr.write(`bench: ${label} ...\n`);
      const r = spawnWorker(config, argv, node);
      if (typeof r === 'string') {
        failures[label] = r;
        process.stderr.write(`bench: ${label} failed: ${r}\n`);
      } else {
        results.push({ ...r, config: label });
      }
    }
  }
  const busy: KernelBenchResult[] = [];
  if (opts.busy) {
    const spinner = startSpinner();
    try {
      for (const node of nodes) {
        for (const config of opts.configs) {
          const label = labelled ? `${config} ${node.label}` : config;
          process.stderr.write(`bench: ${label} beside a busy core ...\n`);
          const r = spawnWorker(config, argv, node);
          if (typeof r === 'string') failures[`${label} (busy)`] = r;
          else busy.push({ ...r, config: label });
        }
      }
    } finally {
      spinner.kill('SIGKILL');
    }
  }
  const torch: Record<string, TorchResult> = {};
  let torchNote: string | undefined;
  if (opts.torch) {
    const python = findTorchPython();
    if (!python) {
      torchNote = TORCH_HINT;
    } else {
      for (const t of [...new Set([1, ...results.map((r) => r.threads)])].sort()) {
        process.stderr.write(`bench: PyTorch with ${t} thread(s) ...\n`);
        const r = runTorch(python, t, opts.steps + 2, opts.quick);
        if (typeof r === 'string') torchNote = r;
        else torch[String(t)] = r;
      }
    }
  } else {
    torchNote = 'PyTorch comparison skipped (--no-torch).';
  }
  const endLoad = os.loadavg();
  const env = {
    date: new Date().toISOString(),
    node: process.version,
    nodes: nodes.map((n) => ({ label: n.label, version: n.version, path: n.path })),
    cpus: os.cpus().length,
    cpu_model: os.cpus()[0]?.model ?? 'unknown',
    loadavg_start: startLoad,
    loadavg_end: endLoad,
    tfjs: tf.version_core,
  };
  report(results, torch, opts);
  if (busy.length > 0) reportBusy(results, busy);
  for (const r of results) console.log(`${r.config}: ${r.notes.join('; ')}`);
  if (torchNote) console.log(torchNote);
  console.log(
    `load average ${startLoad.map((x) => x.toFixed(2)).join(' ')} at start, ${endLoad.map((x) => x.toFixed(2)).join(' ')} at end ` +
      `(${env.cpus} logical cores); other load makes timings noisy, threads suffer most.`,
  );
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${env.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ env, options: opts, results, ...(busy.length > 0 ? { busy } : {}), torch, torchNote, failures }, null, 2),
  );
  console.log(`wrote ${file}`);
  if (Object.keys(failures).length > 0) process.exitCode = 1;
}

void main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
