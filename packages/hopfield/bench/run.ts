// Benchmarks of @ait/hopfield: retrieval throughput of every memory kind and of the Hopfield
// layer, and how the time of one modern Hopfield retrieval grows with the number of stored
// patterns and with the pattern width. Prints tables and writes JSON into bench-results/.
//
//   pnpm bench                      # backend auto (tfjs-node if installed, else wasm, else cpu)
//   pnpm bench --backend cpu --quick
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, SeededRandom, setGlobalSeed, type BackendChoice } from '@ait/core';
import {
  ClassicalHopfield,
  DenseAssociativeMemory,
  exponentialInteraction,
  flipEntries,
  Hopfield,
  hopfieldUpdate,
  maskEntries,
  randomBinaryPatterns,
  retrieve,
} from '../src/index';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'auto' },
    quick: { type: 'boolean', default: false },
    repeats: { type: 'string', default: '5' },
  },
});

/** Median wall time in ms of `fn` over `repeats` runs after one warm-up run. */
async function timeMs(fn: () => unknown, repeats: number): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** Least-squares slope of log(time) against log(size): the empirical exponent of the growth. */
function slope(xs: number[], ys: number[]): number {
  const lx = xs.map(Math.log);
  const ly = ys.map(Math.log);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ly.reduce((a, b) => a + b, 0) / ly.length;
  const num = lx.reduce((s, x, i) => s + (x - mx) * ((ly[i] as number) - my), 0);
  const den = lx.reduce((s, x) => s + (x - mx) ** 2, 0);
  return num / den;
}

function table(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0] as object);
  const fmt = (v: string | number): string => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => fmt(r[c] as string | number).length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padStart(widths[i] as number)).join('  ');
  console.log(line(cols));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(cols.map((c) => fmt(r[c] as string | number))));
}

async function main(): Promise<void> {
  const info = await initBackend({ backend: args.backend as BackendChoice });
  setGlobalSeed(0);
  const repeats = Number(args.repeats);
  const quick = args.quick;
  console.log(`@ait/hopfield benchmark: ${info.summary}`);
  const rng = new SeededRandom(1);

  // 1. Retrieval throughput per memory kind (queries per second, whole retrieval to convergence)
  const throughput: Record<string, string | number>[] = [];
  const kinds: {
    memory: string;
    dim: number;
    patterns: number;
    queries: number;
    run: () => { steps: number } | Promise<{ steps: number }>;
  }[] = [];
  {
    const dim = 100;
    const X = randomBinaryPatterns([10, dim], rng);
    const q = flipEntries(tf.tile(X, [10, 1]), 0.1, rng);
    const mem = new ClassicalHopfield(X);
    kinds.push({
      memory: 'classical, asynchronous',
      dim,
      patterns: 10,
      queries: 100,
      run: () => collect(retrieve(q, mem, { steps: 50, rng })),
    });
    const sync = new ClassicalHopfield(X, { update: 'synchronous' });
    kinds.push({
      memory: 'classical, synchronous',
      dim,
      patterns: 10,
      queries: 100,
      run: () => collect(retrieve(q, sync, { steps: 50, rng })),
    });
  }
  {
    const dim = 64;
    const X = randomBinaryPatterns([128, dim], rng);
    const q = flipEntries(X, 0.1, rng);
    const mem = new DenseAssociativeMemory(X);
    kinds.push({
      memory: 'dense cubic, asynchronous',
      dim,
      patterns: 128,
      queries: 128,
      run: () => collect(retrieve(q, mem, { steps: 20, rng })),
    });
    const Y = randomBinaryPatterns([256, 32], rng);
    const half = maskEntries(Y, 0.5, rng);
    const expo = new DenseAssociativeMemory(Y, { interaction: exponentialInteraction(1) });
    kinds.push({
      memory: 'dense exponential, asynchronous',
      dim: 32,
      patterns: 256,
      queries: 256,
      run: () => collect(retrieve(half, expo, { steps: 20, rng })),
    });
    const small = randomBinaryPatterns([64, 32], rng);
    const smallQ = flipEntries(small, 0.1, rng);
    const syncMem = new DenseAssociativeMemory(small, { update: 'synchronous' });
    kinds.push({
      memory: 'dense cubic, synchronous',
      dim: 32,
      patterns: 64,
      queries: 64,
      run: () => collect(retrieve(smallQ, syncMem, { steps: 20, rng })),
    });
  }
  {
    const dim = 64;
    const X = randomBinaryPatterns([512, dim], rng);
    const q = maskEntries(X, 0.5, rng);
    kinds.push({
      memory: 'modern (retrieve, to eps)',
      dim,
      patterns: 512,
      queries: 512,
      run: () => collect(retrieve(q, X, { beta: 1, steps: 10 })),
    });
    const q3 = tf.reshape(q, [8, 64, dim]);
    kinds.push({
      memory: 'modern (hopfieldUpdate, 1 step)',
      dim,
      patterns: 512,
      queries: 512,
      run: () => {
        tf.tidy(() => hopfieldUpdate(q3, X, { beta: 1 }).dataSync());
        return { steps: 1 };
      },
    });
  }
  for (const k of kinds) {
    let steps = 0;
    const ms = await timeMs(async () => (steps = (await k.run()).steps), repeats);
    throughput.push({
      memory: k.memory,
      dim: k.dim,
      patterns: k.patterns,
      queries: k.queries,
      steps,
      ms: ms,
      'queries/s': (1000 * k.queries) / ms,
    });
  }
  table('Retrieval throughput (median over repeats, whole batch of queries)', throughput);

  // 2. Growth of one modern Hopfield retrieval step with the number of patterns and the width
  const queries = 64;
  const patternCounts = quick ? [128, 256, 512, 1024] : [128, 256, 512, 1024, 2048, 4096];
  const widths = quick ? [32, 64, 128, 256] : [32, 64, 128, 256, 512, 1024];
  const byPatterns: Record<string, string | number>[] = [];
  for (const n of patternCounts) {
    const X = randomBinaryPatterns([n, 64], rng);
    const q = tf.reshape(maskEntries(tf.slice(X, [0, 0], [queries, 64]), 0.5, rng), [1, queries, 64]);
    const ms = await timeMs(() => tf.tidy(() => hopfieldUpdate(q, X, { beta: 1 }).dataSync()), repeats);
    byPatterns.push({ patterns: n, dim: 64, queries, ms, 'queries/s': (1000 * queries) / ms });
    tf.dispose([X, q]);
  }
  const byWidth: Record<string, string | number>[] = [];
  for (const d of widths) {
    const X = randomBinaryPatterns([512, d], rng);
    const q = tf.reshape(maskEntries(tf.slice(X, [0, 0], [queries, d]), 0.5, rng), [1, queries, d]);
    const ms = await timeMs(() => tf.tidy(() => hopfieldUpdate(q, X, { beta: 1 / Math.sqrt(d) }).dataSync()), repeats);
    byWidth.push({ patterns: 512, dim: d, queries, ms, 'queries/s': (1000 * queries) / ms });
    tf.dispose([X, q]);
  }
  const nSlope = slope(
    byPatterns.map((r) => r.patterns as number),
    byPatterns.map((r) => r.ms as number),
  );
  const dSlope = slope(
    byWidth.map((r) => r.dim as number),
    byWidth.map((r) => r.ms as number),
  );
  table(`One modern Hopfield step vs number of stored patterns (time ~ N^${nSlope.toFixed(2)})`, byPatterns);
  table(`One modern Hopfield step vs pattern width (time ~ d^${dSlope.toFixed(2)})`, byWidth);

  // 3. Classical asynchronous sweep vs width, 32 random states (d^2 work per state per sweep)
  const classical: Record<string, string | number>[] = [];
  for (const d of quick ? [32, 64, 128] : [32, 64, 128, 256]) {
    const X = randomBinaryPatterns([Math.round(0.1 * d), d], rng);
    const mem = new ClassicalHopfield(X);
    const q = randomBinaryPatterns([32, d], rng);
    const a = mem.associations(q);
    const ms = await timeMs(async () => {
      const s = await mem.step(q, a, { rng, step: 0 });
      tf.dispose([s.state, s.associations]);
    }, repeats);
    classical.push({ dim: d, patterns: X.shape[0] as number, states: q.shape[0] as number, 'ms/sweep': ms });
    tf.dispose([X, q, a]);
    mem.dispose();
  }
  table(
    `Classical asynchronous sweep vs width (time ~ d^${slope(
      classical.map((r) => r.dim as number),
      classical.map((r) => r['ms/sweep'] as number),
    ).toFixed(2)})`,
    classical,
  );

  // 4. The Hopfield layer (defaults: layer norms, projections, output projection)
  const layerRows: Record<string, string | number>[] = [];
  for (const [batch, tokens, width, heads] of [
    [8, 64, 64, 4],
    [8, 196, 128, 4],
  ] as const) {
    const layer = new Hopfield({ numHeads: heads });
    const x = tf.randomNormal([batch, tokens, width], 0, 1, 'float32', 1);
    const ms = await timeMs(() => tf.tidy(() => (layer.apply(x) as tf.Tensor).dataSync()), repeats);
    layerRows.push({ batch, tokens, width, heads, ms, 'tokens/s': (1000 * batch * tokens) / ms });
    layer.dispose();
    x.dispose();
  }
  table('Hopfield layer forward (self-association)', layerRows);

  const result = {
    package: '@ait/hopfield',
    date: new Date().toISOString(),
    backend: info.tfjsBackend,
    summary: info.summary,
    node: process.version,
    repeats,
    throughput,
    modernByPatterns: { rows: byPatterns, exponent: nSlope },
    modernByWidth: { rows: byWidth, exponent: dSlope },
    classicalSweepByWidth: classical,
    hopfieldLayer: layerRows,
  };
  const dir = join(process.cwd(), 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `hopfield-${info.tfjsBackend}-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2));
  console.log(`\nwrote ${file}`);
}

async function collect(pending: Promise<{ steps: number; dispose(): void }>): Promise<{ steps: number }> {
  const r = await pending;
  const steps = r.steps;
  r.dispose();
  return { steps };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
