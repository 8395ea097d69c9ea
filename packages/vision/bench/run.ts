/**
 * `@ait/vision` benchmark.
 *
 * 1. Training throughput of every CPU-size preset in the registry (all families): images per
 *    second over timed AdamW steps on random images, and the memory of one step (peak tensor
 *    memory during the step, and how much it adds on top of the weights and optimiser state).
 * 2. How one block's time grows with the number of tokens N, forward and forward + backward, for
 *    an AiT block, a ViT block, AFT-full and AFT-simple blocks and a Perceiver cross-attend block.
 *
 * Usage: `pnpm bench` (or `tsx bench/run.ts`) with options
 *   --backend wasm|cpu|webgpu|auto   (default wasm; webgpu needs the `webgpu` package and a driver)
 *   --batch 16                 training batch for the presets
 *   --steps 4                  timed steps per preset (after 2 warm-up steps)
 *   --tokens 16,64,256,1024    token counts of the block benchmark
 *   --dim 64                   token width of the block benchmark
 *   --only ait,vit             restrict the presets to these families
 *   --skip-presets / --skip-blocks
 * Prints tables and writes `bench-results/vision-<date>.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import type { LayerVariable } from '@tensorflow/tfjs-layers';
import {
  AdamW,
  countParameters,
  createForwardContext,
  crossEntropy,
  discardStateUpdates,
  FeedForward,
  initBackend,
  LayerNorm,
  parameterRefs,
  releaseAuxLosses,
  runWithForwardContext,
  setGlobalSeed,
  trainStep,
  type AitLayer,
  type BackendChoice,
} from '@ait/core';
import {
  AftFullAttention,
  AftSimpleAttention,
  AitBlock,
  createModel,
  listModels,
  PerceiverCrossAttention,
  TransformerBlock,
} from '../src/index';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'wasm' },
    batch: { type: 'string', default: '16' },
    steps: { type: 'string', default: '4' },
    tokens: { type: 'string', default: '16,64,256,1024' },
    dim: { type: 'string', default: '64' },
    only: { type: 'string' },
    'skip-presets': { type: 'boolean', default: false },
    'skip-blocks': { type: 'boolean', default: false },
  },
});

const MB = 1024 * 1024;

/**
 * Median of `reps` timings (ms) of `fn` after one warm-up call; stops early after ~1.5 s. `fn`
 * reads its results back with `await data()` (GPU backends have no synchronous reads).
 */
async function timeIt(fn: () => Promise<void>, reps = 7): Promise<number> {
  await fn();
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
    if (performance.now() - start > 1500 && times.length >= 2) break;
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = Object.keys(rows[0] as object);
  const cell = (v: string | number | undefined): string => (typeof v === 'number' ? v.toLocaleString('en-US') : (v ?? ''));
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]): string => vals.map((v, i) => (i === 0 ? v.padEnd(width[i] ?? 0) : v.padStart(width[i] ?? 0))).join('  ');
  return [line(cols), line(width.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}

interface PresetResult {
  model: string;
  family: string;
  imageSize: number;
  trainableParams: number;
  nonTrainableParams: number;
  msPerStep: number;
  imagesPerSecond: number;
  peakTensorMB: number;
  stepExtraMB: number;
}

async function benchPresets(batch: number, steps: number, only: string[] | null): Promise<PresetResult[]> {
  const results: PresetResult[] = [];
  for (const info of listModels({ scale: 'cpu' })) {
    if (only && !only.includes(info.family)) continue;
    setGlobalSeed(1);
    const defaults = info.defaults as {
      imageSize?: number | null;
      channels?: number | null;
      classes?: number;
      questionDim?: number | null;
    };
    const size = defaults.imageSize ?? 32;
    const channels = defaults.channels ?? 3;
    const classes = defaults.classes ?? 10;
    const model = createModel(info.name);
    const x = tf.randomNormal([batch, size, size, channels], 0, 1, 'float32', 2);
    const y = tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % classes),
      'int32',
    );
    const inputs = defaults.questionDim ? [x, tf.randomUniform([batch, defaults.questionDim])] : x;
    (model.apply(inputs) as tf.Tensor).dispose();
    const optimizer = new AdamW({ learningRate: 1e-4 });
    const params = parameterRefs(model);
    let step = 0;
    const runStep = async (): Promise<void> => {
      await trainStep({
        model,
        params,
        optimizer,
        batch: { x: inputs, y },
        loss: (o, t) => crossEntropy(o, t),
        epoch: 0,
        step,
        stepInEpoch: step,
      });
      step += 1;
    };
    await runStep();
    await runStep();
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) await runStep();
    const ms = (performance.now() - t0) / steps;
    const bytesBefore = tf.memory().numBytes;
    const profile = await tf.profile(async () => {
      await runStep();
    });
    const counts = countParameters(model);
    results.push({
      model: info.name,
      family: info.family,
      imageSize: size,
      trainableParams: counts.trainable,
      nonTrainableParams: counts.nonTrainable,
      msPerStep: Math.round(ms * 10) / 10,
      imagesPerSecond: Math.round((batch / ms) * 1000 * 10) / 10,
      peakTensorMB: Math.round((profile.peakBytes / MB) * 100) / 100,
      stepExtraMB: Math.round(((profile.peakBytes - bytesBefore) / MB) * 100) / 100,
    });
    console.log(`  ${info.name}: ${results[results.length - 1]?.imagesPerSecond} images/s`);
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y, ...(Array.isArray(inputs) ? inputs.slice(1) : [])]);
  }
  return results;
}

/** A block to time: a forward function on `[batch, N, dim]` and its trainable weights. */
interface Block {
  forward(x: tf.Tensor): tf.Tensor;
  weights(): LayerVariable[];
  dispose(): void;
}

function layerBlock(layer: AitLayer): Block {
  return {
    forward: (x) => layer.apply(x) as tf.Tensor,
    weights: () => layer.trainableWeights,
    dispose: () => layer.dispose(),
  };
}

/** Pre-norm `x + mixer(LN(x))`, then `x + MLP(LN(x))`, around an attention-like mixing layer (for AFT). */
function preNormBlock(mixer: AitLayer, dim: number): Block {
  const n1 = new LayerNorm();
  const n2 = new LayerNorm();
  const mlp = new FeedForward({ hiddenDim: 4 * dim });
  const parts = [n1, mixer, n2, mlp];
  return {
    forward: (x) =>
      tf.tidy(() => {
        const h = tf.add(x, mixer.apply(n1.apply(x)) as tf.Tensor);
        return tf.add(h, mlp.apply(n2.apply(h)) as tf.Tensor);
      }),
    weights: () => parts.flatMap((p) => p.trainableWeights),
    dispose: () => parts.forEach((p) => p.dispose()),
  };
}

/** The Perceiver's cross-attend block: 32 latents (a weight here) read the N input tokens. */
function perceiverBlock(dim: number, batch: number): Block {
  const cross = new PerceiverCrossAttention({ numHeads: 1, mlpDim: 4 * dim });
  const latents = tf.variable(tf.randomNormal([1, 32, dim], 0, 0.02, 'float32', 3), true);
  return {
    forward: (x) => cross.apply([tf.broadcastTo(latents, [batch, 32, dim]), x]) as tf.Tensor,
    weights: () => cross.trainableWeights,
    dispose: () => {
      cross.dispose();
      latents.dispose();
    },
  };
}

interface BlockResult {
  block: string;
  tokens: number;
  forwardMs: number;
  forwardBackwardMs: number;
}

async function benchBlocks(tokenCounts: number[], dim: number): Promise<BlockResult[]> {
  const batch = 4;
  const heads = Math.max(1, dim / 32);
  const makers: [string, (n: number) => Block][] = [
    ['vit (MHSA + MLP)', () => layerBlock(new TransformerBlock({ numHeads: heads, headDim: 32, mlpDim: 4 * dim }))],
    [
      'ait (MHSA + GWL, batch competition)',
      () =>
        layerBlock(
          new AitBlock({
            numHeads: heads,
            headDim: 32,
            workspace: { mlpDim: 4 * dim, memorySlots: 32, memoryDim: 32, memoryHeads: 8, topK: 64, writeDropout: 0 },
          }),
        ),
    ],
    ['aft-full (rank-64 biases) + MLP', () => preNormBlock(new AftFullAttention({ positionRank: 64 }), dim)],
    ['aft-simple + MLP', () => preNormBlock(new AftSimpleAttention({}), dim)],
    ['perceiver cross-attend (32 latents)', () => perceiverBlock(dim, batch)],
  ];
  const results: BlockResult[] = [];
  for (const [name, make] of makers) {
    for (const n of tokenCounts) {
      setGlobalSeed(4);
      const block = make(n);
      const x = tf.randomNormal([batch, n, dim], 0, 1, 'float32', 5);
      tf.dispose(block.forward(x)); // build
      const vars = block.weights().map((w) => w.read() as tf.Variable);
      const forwardMs = await timeIt(async () => {
        const ctx = createForwardContext(false);
        const y = runWithForwardContext(ctx, () => block.forward(x));
        await y.data();
        y.dispose();
        discardStateUpdates(ctx);
      });
      const forwardBackwardMs = await timeIt(async () => {
        const ctx = createForwardContext(true);
        const { value, grads } = tf.variableGrads(() => runWithForwardContext(ctx, () => tf.sum(block.forward(x)) as tf.Scalar), vars);
        await Promise.all(Object.values(grads).map((g) => g.data()));
        tf.dispose([value, ...Object.values(grads)]);
        releaseAuxLosses(ctx);
        discardStateUpdates(ctx);
      });
      results.push({
        block: name,
        tokens: n,
        forwardMs: Math.round(forwardMs * 100) / 100,
        forwardBackwardMs: Math.round(forwardBackwardMs * 100) / 100,
      });
      console.log(`  ${name}, N = ${n}: ${forwardMs.toFixed(2)} ms forward`);
      block.dispose();
      x.dispose();
    }
  }
  return results;
}

/** Slope of log(time) against log(N) between consecutive token counts: 1 = linear, 2 = quadratic. */
function growth(results: BlockResult[]): Record<string, string | number>[] {
  const byBlock = new Map<string, BlockResult[]>();
  for (const r of results) byBlock.set(r.block, [...(byBlock.get(r.block) ?? []), r]);
  const rows: Record<string, string | number>[] = [];
  for (const [block, rs] of byBlock) {
    const row: Record<string, string | number> = { block };
    for (let i = 1; i < rs.length; i++) {
      const a = rs[i - 1] as BlockResult;
      const b = rs[i] as BlockResult;
      row[`N ${a.tokens}->${b.tokens}`] =
        Math.round((Math.log(b.forwardBackwardMs / a.forwardBackwardMs) / Math.log(b.tokens / a.tokens)) * 100) / 100;
    }
    rows.push(row);
  }
  return rows;
}

async function main(): Promise<void> {
  const info = await initBackend({ backend: args.backend as BackendChoice });
  const batch = Number(args.batch);
  const steps = Number(args.steps);
  const tokenCounts = (args.tokens ?? '').split(',').map(Number);
  const dim = Number(args.dim);
  console.log(`@ait/vision benchmark: ${info.summary}; ${cpus().length} CPU(s), Node ${process.version}`);
  const report: Record<string, unknown> = {
    date: new Date().toISOString(),
    backend: info.backend,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
  };
  if (!args['skip-presets']) {
    console.log(`\nTraining throughput of the CPU presets (batch ${batch}, ${steps} timed AdamW steps after 2 warm-up steps):`);
    const presets = await benchPresets(batch, steps, args.only ? args.only.split(',') : null);
    console.log(`\n${table(presets.map((p) => ({ ...p })))}`);
    report.presets = { batch, steps, results: presets };
  }
  if (!args['skip-blocks']) {
    console.log(`\nOne block on [4, N, ${dim}] (median ms; forward in evaluation mode, forward + backward in training mode):`);
    const blocks = await benchBlocks(tokenCounts, dim);
    console.log(`\n${table(blocks.map((b) => ({ ...b })))}`);
    console.log('\nGrowth exponent of forward + backward time, d log(time) / d log(N) (1 = linear, 2 = quadratic):');
    const g = growth(blocks);
    console.log(table(g));
    report.blocks = { batch: 4, dim, results: blocks, growth: g };
  }
  const dir = join(process.cwd(), 'bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `vision-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nWrote ${file}`);
}

await main();
