/**
 * Times the convolutions of `ait-tiny-conv`'s stem (forward, input gradient and filter gradient)
 * on the wasm backend as `initBackend` starts it, with @ait/core's kernels and with tfjs-wasm's
 * own (`--stock`: Conv2D on XNNPACK). Not part of `pnpm bench`.
 *
 * Usage: npx tsx bench/conv-shapes.ts [threads] [reps] [--stock]
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/index';

interface Case {
  name: string;
  x: [number, number, number, number];
  f: [number, number, number, number];
  pad: 'same' | 'valid' | number;
}

const CASES: Case[] = [
  { name: 'stem conv1 3x3 1->8 64x64', x: [64, 64, 64, 1], f: [3, 3, 1, 8], pad: 'same' },
  { name: 'stem conv2 3x3 8->16 32x32', x: [64, 32, 32, 8], f: [3, 3, 8, 16], pad: 'same' },
  { name: 'conv 3x3 16->8 32x32', x: [64, 32, 32, 16], f: [3, 3, 16, 8], pad: 1 },
  { name: 'conv 3x3 64->64 16x16', x: [16, 16, 16, 64], f: [3, 3, 64, 64], pad: 'same' },
];

function median(fn: () => void, reps: number): number {
  for (let i = 0; i < 2; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(reps / 2)] as number;
}

async function main(): Promise<void> {
  const threads = Number(process.argv[2] ?? 1);
  const reps = Number(process.argv[3] ?? 10);
  const stock = process.argv.includes('--stock');
  const info = await initBackend({ backend: 'wasm', wasmThreads: threads });
  if (stock) {
    // tfjs-wasm's own Conv2D (the fast kernels wrap it: its registration is the innermost)
    const { conv2DConfig } = (await import('@tensorflow/tfjs-backend-wasm/dist/kernels/Conv2D')) as { conv2DConfig: tf.KernelConfig };
    tf.unregisterKernel(tf.Conv2D, 'wasm');
    tf.registerKernel(conv2DConfig);
    conv2DConfig.setupFunc?.(tf.backend());
  }
  console.log(`${info.threads ?? 1} thread(s), ${info.simdKernels ?? '-'} kernels${stock ? ', stock Conv2D' : ''}`);
  for (const c of CASES) {
    const x = tf.randomNormal(c.x);
    const f = tf.randomNormal(c.f);
    const y = tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, c.pad);
    const dy = tf.randomNormal(y.shape);
    const fwd = median(() => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, c.pad).dispose(), reps);
    const dx = median(() => tf.conv2dTranspose(dy as tf.Tensor4D, f as tf.Tensor4D, c.x, 1, c.pad).dispose(), reps);
    const dw = median(
      () =>
        tf.engine().runKernel(tf.Conv2DBackpropFilter, { x, dy }, { strides: 1, pad: c.pad, dataFormat: 'NHWC', filterShape: c.f }) &&
        undefined,
      reps,
    );
    const macs = y.size * c.f[0] * c.f[1] * c.f[2];
    const g = (ms: number): string => `${ms.toFixed(2).padStart(6)} ms ${((2 * macs) / ms / 1e6).toFixed(1).padStart(5)} GFLOP/s`;
    console.log(`${c.name.padEnd(28)} fwd ${g(fwd)} | dx ${g(dx)} | dw ${g(dw)}`);
    tf.dispose([x, f, y, dy]);
  }
}

void main();
