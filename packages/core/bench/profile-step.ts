/**
 * Profiles one training step of the reference ViT kernel by kernel (self time, calls), to find
 * what to speed up next. Not part of `pnpm bench`.
 *
 * Usage: npx tsx bench/profile-step.ts [wasm|cpu] [fast|stock] [plain|fused] [steps]
 * Set THREADS=N to run as `initBackend({ wasmThreads: N })` does (the threaded build with XNNPACK
 * at one thread and the GEMM pool on N threads, the default under Node); XNNPACK=N instead runs
 * the threaded build with N XNNPACK threads and no GEMM pool. Shapes are shown for the kernels named in DETAIL
 * (comma-separated; default Transpose,BatchMatMul,Sum,Identity). The fused variant trains with
 * the library's AdamW and the plain one with tfjs' Adam, as in `pnpm bench`.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers registers tfjs' gradients (tfjs-core's node bundle registers none).
import '@tensorflow/tfjs-layers';
// the Node entry installs the Node platform (V8's revectorizer on Node 24+, see wasmRevectorize)
import { initBackend } from '../src/index';
import { registerFastKernels, wasmRevectorize } from '../src/kernels/index';
import { installThreadedWasm } from '../src/kernels/wasm/wasm-threads';
import { profileKernels } from './kernel-profiler';
import { AdamW } from '../src/training/adamw';
import { REFERENCE_VIT, ReferenceVit, referenceVitTrainStep, type ReferenceVitVariant } from '../src/benchmarks/reference-vit';

const DETAILED = (process.env.DETAIL ?? 'Transpose,BatchMatMul,Sum,Identity').split(',');

async function main(): Promise<void> {
  const backend = process.argv[2] ?? 'wasm';
  const fast = (process.argv[3] ?? 'fast') === 'fast';
  const variant = (process.argv[4] ?? 'plain') as ReferenceVitVariant;
  const steps = Number(process.argv[5] ?? 3);
  // as initBackend does: the revectorizer's flag before tfjs-wasm and the SIMD kernels compile
  if (fast) console.log(`revectorizer ${wasmRevectorize().reason}`);
  if (process.env.THREADS && backend === 'wasm' && fast) {
    const info = await initBackend({ backend: 'wasm', wasmThreads: Number(process.env.THREADS) });
    console.log(`initBackend: ${info.threads ?? 1} thread(s), ${info.simdKernels ?? '-'} kernels, ${info.gemmTile ?? '-'} tiles`);
  } else {
    if (process.env.XNNPACK) await installThreadedWasm({ threads: Number(process.env.XNNPACK) });
    await tf.setBackend(backend);
    if (fast) registerFastKernels(backend);
  }
  const model = new ReferenceVit(REFERENCE_VIT);
  // the same optimizers as the benchmark: tfjs' Adam for plain, the library's AdamW for fused
  const opt = variant === 'fused' ? new AdamW({ learningRate: 1e-3, weightDecay: 0 }) : tf.train.adam(1e-3);
  const x = tf.randomNormal([64, 64, 128], 0, 1, 'float32', 1);
  const y = tf.tensor1d(
    Array.from({ length: 64 }, (_, i) => i % 10),
    'int32',
  );
  await referenceVitTrainStep(model, opt, x, y, variant);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) await referenceVitTrainStep(model, opt, x, y, variant);
  console.log(`${backend} ${fast ? 'fast' : 'stock'} ${variant}: ${((performance.now() - t0) / steps).toFixed(1)} ms/step`);
  const prof = profileKernels(backend, (k, p) =>
    DETAILED.includes(k)
      ? `${k} ${Object.values(p.inputs)
          .map((t) => (t ? JSON.stringify(t.shape) : ''))
          .join('x')} ${JSON.stringify(p.attrs ?? {})}`
      : k,
  );
  const t1 = performance.now();
  await referenceVitTrainStep(model, opt, x, y, variant);
  const total = performance.now() - t1;
  const times = prof.stop();
  console.log(`profiled step: ${total.toFixed(1)} ms, in kernels ${times.reduce((s, t) => s + t.ms, 0).toFixed(1)} ms`);
  for (const t of times.slice(0, 40)) console.log(`${t.ms.toFixed(1).padStart(8)} ms ${String(t.calls).padStart(5)}x  ${t.kernel}`);
}

void main();
