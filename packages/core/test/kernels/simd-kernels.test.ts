import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { fusedGelu, fusedLayerNorm } from '../../src/kernels/index';
import {
  relaxedSimdSupported,
  setSimdKernelBuild,
  simdKernelBuild,
  simdKernelsFor,
  wasmSectionIds,
  type SimdKernelBuild,
} from '../../src/kernels/wasm/simd-module';
import { asWasmBackend } from '../../src/kernels/wasm/wasm-interop';
import {
  SIMD_KERNELS_WASM,
  SIMD_KERNELS_WASM_RELAXED,
  SIMD_KERNELS_WASM_RELAXED_SHARED,
  SIMD_KERNELS_WASM_SHARED,
} from '../../generated/simd-kernels-wasm';
import { SIMD_KERNEL_NAMES, SIMD_KERNELS_SOURCE_HASH as TYPES_HASH } from '../../generated/simd-kernels-types';
import { SIMD_KERNELS_SOURCE_HASH as WASM_HASH } from '../../generated/simd-kernels-wasm';
import { maxAbsDiff, naiveMatMul, runOn, setUpBackends, values, valuesOf } from './kernel-test-helpers';

/** erf in float64: Taylor series below 3, the continued fraction of erfc above. */
function erf64(x: number): number {
  const ax = Math.abs(x);
  let r: number;
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      sum += term / (2 * n + 1);
    }
    r = (2 / Math.sqrt(Math.PI)) * sum;
  } else {
    let f = ax;
    for (let n = 120; n >= 1; n--) f = ax + n / 2 / f;
    r = 1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  }
  return x < 0 ? -r : r;
}

const phi64 = (x: number): number => 0.5 * (1 + erf64(x / Math.SQRT2));
const gelu64 = (x: number): number => x * phi64(x);
const geluSlope64 = (x: number): number => phi64(x) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);

/** The parts of the WebAssembly JS API the tests use (this package's TypeScript lib has no DOM types). */
const wasmApi = (
  globalThis as unknown as {
    WebAssembly: { compile(bytes: Uint8Array): Promise<object>; Module: { exports(module: object): { name: string; kind: string }[] } };
  }
).WebAssembly;

describe("AiT.js's WebAssembly SIMD kernels on tfjs-wasm's heap", () => {
  beforeAll(setUpBackends);

  it('are built without data or start sections and are active on the wasm backend', () => {
    for (const b64 of [SIMD_KERNELS_WASM, SIMD_KERNELS_WASM_SHARED, SIMD_KERNELS_WASM_RELAXED, SIMD_KERNELS_WASM_RELAXED_SHARED]) {
      const ids = wasmSectionIds(new Uint8Array(Buffer.from(b64, 'base64')));
      expect(ids).toContain(10); // code
      expect(ids).not.toContain(8); // start
      expect(ids).not.toContain(11); // data
    }
    expect(simdKernelsFor(asWasmBackend(tf.engine().findBackend('wasm')))).not.toBeNull();
    for (const name of ['AitGelu', 'AitGeluWithSlope', 'AitLayerNorm', 'AitLayerNormGrad']) {
      expect(tf.getKernel(name, 'wasm')).toBeDefined();
    }
  });

  it('has typings generated from the same source as every build: the exported functions are exactly the typed ones', async () => {
    expect(TYPES_HASH).toBe(WASM_HASH);
    for (const b64 of [SIMD_KERNELS_WASM, SIMD_KERNELS_WASM_SHARED, SIMD_KERNELS_WASM_RELAXED, SIMD_KERNELS_WASM_RELAXED_SHARED]) {
      const module = await wasmApi.compile(Buffer.from(b64, 'base64'));
      const functions = wasmApi.Module.exports(module)
        .filter((e) => e.kind === 'function')
        .map((e) => e.name)
        .sort();
      expect(functions).toEqual([...SIMD_KERNEL_NAMES].sort());
    }
  });

  it('GELU and its slope match float64 erf over [-9, 9], tails and odd lengths included', async () => {
    const xs = Array.from({ length: 1803 }, (_, i) => -9 + i * 0.01);
    xs.push(0, 1e-20, -1e-20, 40, -40);
    const r = await runOn('wasm', () => {
      const x = tf.tensor1d(xs);
      const [y, dx] = [fusedGelu(x), tf.grad((t: tf.Tensor) => fusedGelu(t))(x)];
      return [y as tf.Tensor, dx as tf.Tensor];
    });
    const [y, slope] = r.values as [number[], number[]];
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i] as number;
      const tol = 5e-7 * Math.max(1, Math.abs(x));
      expect(Math.abs((y[i] as number) - gelu64(x)), `gelu(${x})`).toBeLessThan(tol);
      expect(Math.abs((slope[i] as number) - geluSlope64(x)), `gelu'(${x})`).toBeLessThan(tol);
    }
    // without gradients recorded, the single-output kernel gives the same values
    const plainRun = await runOn('wasm', () => fusedGelu(tf.tensor1d(xs)));
    expect(maxAbsDiff(plainRun.values[0]!, y)).toBe(0);
  });

  it('Exp and Erf match float64 over the float32 range, special values included', async () => {
    const xs = Array.from({ length: 2001 }, (_, i) => -100 + i * 0.0945);
    xs.push(0, -0, 1e-8, -1e-8, 0.4999, 0.5, 88.72, 88.73, -87.5, -103.5, -110, Infinity, -Infinity, NaN);
    const r = await runOn('wasm', () => {
      const x = tf.tensor1d(xs);
      return [tf.exp(x), tf.erf(x)];
    });
    const [ex, er] = r.values as [number[], number[]];
    for (let i = 0; i < xs.length; i++) {
      const x = Math.fround(xs[i] as number);
      const e = Math.exp(x);
      const got = ex[i] as number;
      if (Number.isNaN(x)) expect(got).toBeNaN();
      else if (e > 3.4028234663852886e38) expect(got, `exp(${x})`).toBe(Infinity);
      else if (e < 1.1754943508222875e-38)
        expect(Math.abs(got - e), `exp(${x})`).toBeLessThan(1e-44); // subnormal
      else expect(Math.abs(got - e) / e, `exp(${x})`).toBeLessThan(3e-7);
      const erf = er[i] as number;
      if (Number.isNaN(x)) expect(erf).toBeNaN();
      else {
        const ref = erf64(x);
        expect(Math.abs(erf - ref), `erf(${x})`).toBeLessThan(Math.abs(x) < 0.5 ? 3e-7 * Math.abs(ref) + 1e-45 : 2e-7);
      }
    }
  });

  it('layer norm and its gradients match float64 for row lengths that are not multiples of 4', async () => {
    for (const [rows, d] of [
      [6, 7],
      [5, 130],
      [3, 1],
    ] as const) {
      const xv = values(rows * d, 11).map((v, i) => v * 3 + (i % d) * 0.25);
      const gv = values(d, 12).map((v) => v + 1.5);
      const bv = values(d, 13);
      const wv = values(rows * d, 14);
      const r = await runOn('wasm', () => {
        const x = tf.tensor2d(xv, [rows, d]);
        const g = tf.tensor1d(gv);
        const b = tf.tensor1d(bv);
        const w = tf.tensor2d(wv, [rows, d]);
        const y = fusedLayerNorm(x, g, b);
        const grads = tf.grads((a: tf.Tensor, c: tf.Tensor, e: tf.Tensor) => tf.sum(tf.mul(fusedLayerNorm(a, c, e), w)))([x, g, b]);
        return [y, ...grads];
      });
      // float64 reference: y, dx, dgamma, dbeta of sum(w * y)
      const y64: number[] = [];
      const dx64: number[] = [];
      const dg64 = new Array<number>(d).fill(0);
      const db64 = new Array<number>(d).fill(0);
      for (let i = 0; i < rows; i++) {
        const row = xv.slice(i * d, (i + 1) * d);
        const mean = row.reduce((s, v) => s + v, 0) / d;
        const variance = row.reduce((s, v) => s + (v - mean) ** 2, 0) / d;
        const rstd = 1 / Math.sqrt(variance + 1e-5);
        const xhat = row.map((v) => (v - mean) * rstd);
        const dy = wv.slice(i * d, (i + 1) * d);
        const g = dy.map((v, j) => v * (gv[j] as number));
        const mg = g.reduce((s, v) => s + v, 0) / d;
        const mgx = g.reduce((s, v, j) => s + v * (xhat[j] as number), 0) / d;
        for (let j = 0; j < d; j++) {
          y64.push((xhat[j] as number) * (gv[j] as number) + (bv[j] as number));
          dx64.push(rstd * ((g[j] as number) - mg - (xhat[j] as number) * mgx));
          dg64[j] = (dg64[j] as number) + (dy[j] as number) * (xhat[j] as number);
          db64[j] = (db64[j] as number) + (dy[j] as number);
        }
      }
      expect(r.shapes).toEqual([[rows, d], [rows, d], [d], [d]]);
      expect(maxAbsDiff(r.values[0]!, y64)).toBeLessThan(1e-5);
      expect(maxAbsDiff(r.values[1]!, dx64)).toBeLessThan(d === 1 ? 1e-2 : 1e-4);
      expect(maxAbsDiff(r.values[2]!, dg64)).toBeLessThan(1e-4);
      expect(maxAbsDiff(r.values[3]!, db64)).toBeLessThan(1e-5);
    }
  });

  it('runs the relaxed-SIMD build (fused multiply-add) where the runtime has it, Node 20 included', () => {
    // V8 has relaxed SIMD since 11.4 and behind a flag in Node 20's 11.3, which the Node entry sets.
    expect(relaxedSimdSupported()).toBe(true);
    expect(simdKernelBuild()).toBe('relaxed');
  });

  it('GEMM: products longer than one k block, row and column remainders, batches and a bias, in both builds', async () => {
    const builds: SimdKernelBuild[] = relaxedSimdSupported() ? ['plain', 'relaxed'] : ['plain'];
    const products: Record<string, number[][]> = {};
    for (const build of builds) {
      setSimdKernelBuild(build);
      products[build] = await gemmCases(build);
    }
    setSimdKernelBuild('auto');
    // the cases use exactly representable products, where both builds agree to the bit
    if (builds.length === 2) expect(products.relaxed).toEqual(products.plain);
    // products that round: fused multiply-adds round once, so some last bits change
    const av = Array.from({ length: 64 * 96 }, (_, i) => Math.sin(i * 0.37));
    const bv = Array.from({ length: 96 * 40 }, (_, i) => Math.cos(i * 0.11));
    const ref = naiveMatMul(av, [64, 96], bv, [96, 40], false, false);
    const rounded: Partial<Record<SimdKernelBuild, number[]>> = {};
    for (const build of builds) {
      setSimdKernelBuild(build);
      const r = await runOn('wasm', () => [tf.matMul(tf.tensor2d(av, [64, 96]), tf.tensor2d(bv, [96, 40]))]);
      rounded[build] = r.values[0]!;
      expect(maxAbsDiff(r.values[0]!, ref.values), build).toBeLessThan(1e-4);
    }
    setSimdKernelBuild('auto');
    if (builds.length === 2) expect((rounded.relaxed ?? []).some((v, i) => v !== rounded.plain?.[i])).toBe(true);
    // k = 0: zeros, or the bias in every row
    const empty = await runOn('wasm', () => {
      const a = tf.zeros([3, 0]);
      const b = tf.zeros([0, 5]);
      return [tf.matMul(a, b), tf.fused.matMul({ a: a as tf.Tensor2D, b: b as tf.Tensor2D, bias: tf.tensor1d([1, 2, 3, 4, 5]) })];
    });
    expect(empty.values[0]).toEqual(new Array(15).fill(0));
    expect(empty.values[1]).toEqual([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2, 3, 4, 5]);
  });

  it('transposes batches of matrices and run permutations of any size and dtype like the cpu backend', async () => {
    const cases: [number[], number[]][] = [
      [
        [3, 37, 45],
        [0, 2, 1],
      ],
      [
        [70, 33],
        [1, 0],
      ],
      [
        [64, 64],
        [1, 0],
      ],
      [
        [2, 3, 5, 6],
        [0, 1, 3, 2],
      ],
      // the innermost axis stays: runs copied (attention's head split and merge)
      [
        [3, 5, 3, 4, 6],
        [2, 0, 3, 1, 4],
      ],
      [
        [3, 5, 4, 2, 7],
        [1, 3, 0, 2, 4],
      ],
      [
        [4, 6, 5],
        [1, 0, 2],
      ],
    ];
    for (const [shape, perm] of cases) {
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const v = valuesOf(shape, 31).map((x) => (dtype === 'int32' ? Math.round(x * 1000) : dtype === 'bool' ? (x > 0 ? 1 : 0) : x));
        const fn = () => tf.transpose(tf.tensor(v, shape, dtype), perm);
        const wasm = await runOn('wasm', fn);
        const cpu = await runOn('cpu', fn);
        expect(wasm.shapes[0]).toEqual(cpu.shapes[0]);
        expect(wasm.values[0]).toEqual(cpu.values[0]);
      }
    }
  });

  it('slices and splits boxes of any rank and dtype like the cpu backend', async () => {
    const cases: [number[], number[], number[]][] = [
      [
        [4096, 384],
        [0, 128],
        [4096, 128],
      ],
      [
        [7, 9],
        [2, 3],
        [4, 5],
      ],
      [
        [3, 4, 5, 6],
        [1, 0, 2, 1],
        [2, 4, 3, 5],
      ],
      [
        [3, 4, 5, 6],
        [1, 1, 0, 0],
        [2, 2, 5, 6],
      ],
      [
        [2, 3, 4, 5, 6],
        [1, 1, 1, 1, 1],
        [1, 2, 2, 3, 4],
      ],
      [[10], [3], [5]],
      [
        [5, 6],
        [0, 0],
        [0, 6],
      ],
    ];
    for (const [shape, begin, size] of cases) {
      for (const dtype of ['float32', 'int32', 'bool'] as const) {
        const v = valuesOf(shape, 61).map((x) => (dtype === 'float32' ? x : dtype === 'int32' ? Math.round(x * 999) : x > 0 ? 1 : 0));
        const fn = () => tf.slice(tf.tensor(v, shape, dtype), begin, size);
        const wasm = await runOn('wasm', fn);
        const cpu = await runOn('cpu', fn);
        expect(wasm.shapes[0], `${shape} ${begin} ${size}`).toEqual(cpu.shapes[0]);
        expect(wasm.values[0], `${shape} ${begin} ${size} ${dtype}`).toEqual(cpu.values[0]);
      }
    }
    for (const [shape, splits, axis] of [
      [[64, 384], 3, 1],
      [[2, 7, 5], [2, 4, 1], 1],
      [[6, 4], [1, 5], 0],
    ] as [number[], number | number[], number][]) {
      const v = valuesOf(shape, 62);
      const fn = () => tf.split(tf.tensor(v, shape), splits, axis);
      const wasm = await runOn('wasm', fn);
      const cpu = await runOn('cpu', fn);
      expect(wasm.shapes).toEqual(cpu.shapes);
      expect(wasm.values).toEqual(cpu.values);
    }
  });

  it('sums leading axes in blocks (more than 256 rows, column remainders) to within float32 rounding', async () => {
    for (const [shape, axes] of [
      [[700, 37], [0]],
      [
        [2, 150, 21],
        [0, 1],
      ],
      [
        [1, 5, 3],
        [0, 1],
      ],
    ] as [number[], number[]][]) {
      const v = valuesOf(shape, 41);
      const r = await runOn('wasm', () => tf.sum(tf.tensor(v, shape), axes));
      const cols = shape.slice(axes.length).reduce((x, y) => x * y, 1);
      const expected = new Array<number>(cols).fill(0);
      v.forEach((x, i) => (expected[i % cols] = (expected[i % cols] as number) + x));
      expect(maxAbsDiff(r.values[0]!, expected)).toBeLessThan(2e-5);
    }
  });

  it('keeps the number of tensors constant across GELU and layer-norm training steps', async () => {
    await tf.setBackend('wasm');
    try {
      const x = tf.tensor2d(values(64, 51), [8, 8]);
      const g = tf.variable(tf.ones([8]));
      const b = tf.variable(tf.zeros([8]));
      const step = () => {
        const { value, grads } = tf.variableGrads(() => tf.sum(fusedGelu(fusedLayerNorm(x, g, b))), [g, b]);
        tf.dispose([value, ...Object.values(grads)]);
      };
      step();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) step();
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([x, g, b]);
    } finally {
      await tf.setBackend('cpu');
    }
  });
});

/** Runs the GEMM cases on wasm with the current kernel build, checks them, returns the products. */
async function gemmCases(build: string): Promise<number[][]> {
  const out: number[][] = [];
  const cases: [number[], number[], boolean, boolean][] = [
    [[9, 300], [300, 21], false, false],
    [[300, 9], [300, 21], true, false],
    [[9, 300], [21, 300], false, true],
    [[300, 9], [21, 300], true, true],
    [[3, 9, 300], [3, 300, 21], false, false],
    [[3, 300, 9], [300, 21], true, false],
    [[9, 300], [3, 300, 21], false, false],
    [[2, 5, 520], [2, 17, 520], false, true],
    // 64 rows and more: B repacked into panels (one and two k blocks, column remainder)
    [[70, 300], [300, 21], false, false],
    [[300, 70], [21, 300], true, true],
    [[2, 66, 40], [2, 40, 19], false, false],
    [[4, 20, 64], [64, 24], false, false],
    // a^T b with the wider a: computed as (b^T a)^T
    [[300, 70], [300, 12], true, false],
  ];
  for (const [aShape, bShape, ta, tb] of cases) {
    const av = valuesOf(aShape, 21);
    const bv = valuesOf(bShape, 22);
    const ref = naiveMatMul(av, aShape, bv, bShape, ta, tb);
    const n = ref.shape[ref.shape.length - 1] as number;
    const biasV = values(n, 23);
    const r = await runOn('wasm', () => {
      const a = tf.tensor(av, aShape);
      const b = tf.tensor(bv, bShape);
      return [tf.matMul(a, b, ta, tb), tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias: tf.tensor1d(biasV) })];
    });
    expect(r.shapes[0]).toEqual(ref.shape);
    expect(maxAbsDiff(r.values[0]!, ref.values), `${build}: ${aShape} x ${bShape} ${ta} ${tb}`).toBeLessThan(1e-4);
    const withBias = ref.values.map((v, i) => v + (biasV[i % n] as number));
    expect(maxAbsDiff(r.values[1]!, withBias)).toBeLessThan(1e-4);
    out.push(r.values[0]!, r.values[1]!);
  }
  return out;
}
