/**
 * Times the matrix products of one reference ViT training step (forward, data gradients, weight
 * gradients, attention), or with `conv` those of `ait-tiny-conv` (the CLI's default model: width
 * 64, heads of 16, a memory of 16 priors), shape by shape on the wasm backend as `initBackend`
 * starts it, to see which products the GEMM pool speeds up. Not part of `pnpm bench`.
 *
 * Usage: npx tsx bench/gemm-shapes.ts [threads] [reps] [vit|conv]   (threads: `wasmThreads`, default 1)
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { initBackend } from '../src/index';

interface Case {
  name: string;
  a: number[];
  b: number[];
  ta: boolean;
  tb: boolean;
}

const T = 4096;
const CASES: Case[] = [
  { name: 'fwd qkv  nn', a: [T, 128], b: [128, 384], ta: false, tb: false },
  { name: 'fwd fc1  nn', a: [T, 128], b: [128, 512], ta: false, tb: false },
  { name: 'fwd fc2  nn', a: [T, 512], b: [512, 128], ta: false, tb: false },
  { name: 'dx  qkv  nt', a: [T, 384], b: [128, 384], ta: false, tb: true },
  { name: 'dx  fc1  nt', a: [T, 512], b: [128, 512], ta: false, tb: true },
  { name: 'dx  fc2  nt', a: [T, 128], b: [512, 128], ta: false, tb: true },
  { name: 'dw  qkv  tn', a: [T, 128], b: [T, 384], ta: true, tb: false },
  { name: 'dw  proj tn', a: [T, 128], b: [T, 128], ta: true, tb: false },
  { name: 'dw  fc1  tn', a: [T, 128], b: [T, 512], ta: true, tb: false },
  { name: 'dw  fc2  tn', a: [T, 512], b: [T, 128], ta: true, tb: false },
  { name: 'att qk   nt', a: [256, 64, 32], b: [256, 64, 32], ta: false, tb: true },
  { name: 'att pv   nn', a: [256, 64, 64], b: [256, 64, 32], ta: false, tb: false },
  { name: 'att dp   tn', a: [256, 64, 64], b: [256, 64, 32], ta: true, tb: false },
];

const CONV_CASES: Case[] = [
  { name: 'fwd qkv  nn', a: [T, 64], b: [64, 192], ta: false, tb: false },
  { name: 'fwd mlp  nn', a: [T, 64], b: [64, 128], ta: false, tb: false },
  { name: 'dx  qkv  nt', a: [T, 192], b: [64, 192], ta: false, tb: true },
  { name: 'dx  mlp  nt', a: [T, 128], b: [64, 128], ta: false, tb: true },
  { name: 'dw  qkv  tn', a: [T, 64], b: [T, 192], ta: true, tb: false },
  { name: 'dw  mlp  tn', a: [T, 64], b: [T, 128], ta: true, tb: false },
  { name: 'dw  mlp2 tn', a: [T, 128], b: [T, 64], ta: true, tb: false },
  { name: 'att qk   nt', a: [256, 64, 16], b: [256, 64, 16], ta: false, tb: true },
  { name: 'att pv   nn', a: [256, 64, 64], b: [256, 64, 16], ta: false, tb: false },
  { name: 'att dp   tn', a: [256, 64, 64], b: [256, 64, 16], ta: true, tb: false },
  { name: 'mem read nn', a: [4, 16, T], b: [4, T, 32], ta: false, tb: false },
  { name: 'mem dq   tn', a: [4, 16, T], b: [4, 16, 32], ta: true, tb: false },
  { name: 'mem dk   nt', a: [4, 16, 32], b: [4, T, 32], ta: false, tb: true },
];

async function main(): Promise<void> {
  const threads = Number(process.argv[2] ?? 1);
  const reps = Number(process.argv[3] ?? 20);
  const cases = process.argv[4] === 'conv' ? CONV_CASES : CASES;
  const info = await initBackend({ backend: 'wasm', wasmThreads: threads });
  console.log(`${info.threads ?? 1} thread(s), ${info.simdKernels ?? '-'} kernels, ${info.gemmTile ?? '-'} tiles`);
  let total = 0;
  for (const c of cases) {
    const a = tf.randomNormal(c.a);
    const b = tf.randomNormal(c.b);
    const run = (): void => tf.matMul(a, b, c.ta, c.tb).dispose();
    for (let i = 0; i < 3; i++) run();
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < reps; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      run();
      times.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    times.sort((x, y) => x - y);
    cpu.sort((x, y) => x - y);
    const med = times[Math.floor(reps / 2)] as number;
    const batch = c.a.length === 3 ? (c.a[0] as number) : 1;
    const m = c.ta ? (c.a[c.a.length - 1] as number) : (c.a[c.a.length - 2] as number);
    const k = c.ta ? (c.a[c.a.length - 2] as number) : (c.a[c.a.length - 1] as number);
    const n = c.tb ? (c.b[c.b.length - 2] as number) : (c.b[c.b.length - 1] as number);
    const gflops = (2 * batch * m * k * n) / med / 1e6;
    total += med;
    // CPU time of the process (all threads): with one thread, a measure of the work that other
    // processes on the machine hardly disturb
    const cpuMed = cpu[Math.floor(reps / 2)] as number;
    const min = (times[0] as number).toFixed(2);
    console.log(
      `${c.name}  ${med.toFixed(2).padStart(7)} ms  (min ${min})  ${gflops.toFixed(1).padStart(6)} GFLOP/s  cpu ${cpuMed.toFixed(2)} ms`,
    );
    tf.dispose([a, b]);
  }
  console.log(`sum of medians ${total.toFixed(1)} ms`);
}

void main();
