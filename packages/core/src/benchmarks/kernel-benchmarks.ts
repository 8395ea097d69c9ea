import * as tf from '@tensorflow/tfjs-core';
import { fusedScaledDotProductAttention, plainScaledDotProductAttention } from '../kernels/fused/fused-attention';
import { AdamW } from '../training/adamw';
import { REFERENCE_VIT, ReferenceVit, referenceVitTrainStep, type ReferenceVitVariant } from './reference-vit';

/** One matmul measurement: square `n x n` operands, `case` = transposes of a and b (`nt`: b^T). */
export interface MatMulBenchResult {
  n: number;
  case: 'nn' | 'nt' | 'tn' | 'tt';
  ms: number;
  gflops: number;
}

/** Attention `[64, 4, 64, 32]` (the reference ViT's) timings in ms, best of several runs. */
export interface AttentionBenchResult {
  forward_ms: number;
  forward_backward_ms: number;
  /** The same with the fused form (closed-form backward), where it applies. */
  fused_forward_backward_ms?: number;
}

/** Training-step timings of the reference ViT. */
export interface TrainBenchResult {
  variant: ReferenceVitVariant;
  params: number;
  batch: number;
  step_ms: number[];
  median_ms: number;
  images_per_s: number;
}

/** Everything one backend configuration measured. */
export interface KernelBenchResult {
  config: string;
  backend: string;
  threads: number;
  matmul: MatMulBenchResult[];
  attention: AttentionBenchResult;
  train: TrainBenchResult[];
  notes: string[];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function randomData(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/**
 * Times `matMul` for each transpose case at each size with fresh operands on every run (so that
 * no backend profits from weights it packed before; only the product and reading it back are
 * timed) and returns the best time of each. Reads back asynchronously (GPU backends too).
 */
export async function benchMatMul(sizes: number[], budgetMs = 300): Promise<MatMulBenchResult[]> {
  const out: MatMulBenchResult[] = [];
  for (const n of sizes) {
    const data = [randomData(n * n, n), randomData(n * n, n + 1)];
    for (const c of ['nn', 'nt', 'tn', 'tt'] as const) {
      const ta = c[0] === 't';
      const tb = c[1] === 't';
      const times: number[] = [];
      const start = performance.now();
      while (times.length < 2 || (performance.now() - start < budgetMs && times.length < 400)) {
        const a = tf.tensor2d(data[0] as Float32Array, [n, n]);
        const b = tf.tensor2d(data[1] as Float32Array, [n, n]);
        const t0 = performance.now();
        const y = tf.matMul(a, b, ta, tb);
        await y.data();
        times.push(performance.now() - t0);
        tf.dispose([a, b, y]);
      }
      const ms = Math.min(...times);
      out.push({ n, case: c, ms, gflops: (2 * n ** 3) / ms / 1e6 });
    }
  }
  return out;
}

/** Times attention forward and forward+backward at the reference ViT's shape (reads back asynchronously). */
export async function benchAttention(reps = 10): Promise<AttentionBenchResult> {
  const shape = [64, 4, 64, 32];
  const size = shape.reduce((a, b) => a * b, 1);
  const [q, k, v, g] = [0, 1, 2, 3].map((i) => tf.tensor(randomData(size, 10 + i), shape)) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const time = async (f: () => tf.Tensor | tf.Tensor[]): Promise<number> => {
    const ts: number[] = [];
    for (let i = 0; i < reps + 1; i++) {
      const t0 = performance.now();
      const out = tf.tidy(f);
      await Promise.all((Array.isArray(out) ? out : [out]).map((t) => t.data()));
      ts.push(performance.now() - t0);
      tf.dispose(out);
    }
    return Math.min(...ts.slice(1));
  };
  const result: AttentionBenchResult = {
    forward_ms: await time(() => plainScaledDotProductAttention(q, k, v)),
    forward_backward_ms: await time(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(plainScaledDotProductAttention(a, b, c), g)))([q, k, v]),
    ),
    fused_forward_backward_ms: await time(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(fusedScaledDotProductAttention(a, b, c), g)))([q, k, v]),
    ),
  };
  tf.dispose([q, k, v, g]);
  return result;
}

/** Times training steps (forward, backward, Adam) of the reference ViT. */
export async function benchTrain(variant: ReferenceVitVariant, steps: number, warmup: number): Promise<TrainBenchResult> {
  const model = new ReferenceVit(REFERENCE_VIT, 0);
  // the plain variant uses tfjs' Adam; the fused one the library's AdamW (no decay: the same update)
  const optimizer = variant === 'fused' ? new AdamW({ learningRate: 1e-3, weightDecay: 0 }) : tf.train.adam(1e-3);
  const { batch, tokens, dim, classes } = REFERENCE_VIT;
  const x = tf.tensor(randomData(batch * tokens * dim, 7), [batch, tokens, dim]);
  const y = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => (i * 7) % classes),
    'int32',
  );
  const times: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    const loss = await referenceVitTrainStep(model, optimizer, x, y, variant);
    if (!Number.isFinite(loss)) throw new Error(`training step ${i} gave loss ${loss}`);
    if (i >= warmup) times.push(performance.now() - t0);
  }
  const params = model.parameterCount();
  tf.dispose([x, y]);
  model.dispose();
  optimizer.dispose();
  const med = median(times);
  return { variant, params, batch, step_ms: times, median_ms: med, images_per_s: batch / (med / 1000) };
}
