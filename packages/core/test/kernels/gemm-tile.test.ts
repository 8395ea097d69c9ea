// The SIMD GEMM's two register tiles: 4 x 8 (gemm) and 6 x 16 (gemmWide, the
// Node 24+ fast path with V8's revectorizer). Both run here whatever the Node version, against a
// float64 reference: the 6 x 16 code path must be right where it is not fast (Node 20), too.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/index';
import { setSimdGemmTile, simdGemmTile, wasmRevectorize, type SimdGemmTile } from '../../src/kernels/wasm/gemm-tile';
import { relaxedSimdSupported, setSimdKernelBuild, type SimdKernelBuild } from '../../src/kernels/wasm/simd-module';
import { REVECTORIZE_FLAG, revectorizeDecision } from '../../src/platform/node-revectorize';
import { maxAbsDiff, naiveMatMul, runOn, setUpBackends } from './kernel-test-helpers';

const TILES: SimdGemmTile[] = ['4x8', '6x16'];

/**
 * Shapes around the 6 x 16 tile's edges: rows not a multiple of 6 (1-5 left, the 4-row tile),
 * columns with 16-, 8- and 1-column remainders, k within one block, over one block (256 rows for a
 * row-major A, 64 for one read in place transposed) and of 1; batches, broadcasts and transposes.
 */
const CASES: [number[], number[], boolean, boolean][] = [
  [[1, 5], [5, 3], false, false],
  [[5, 33], [33, 7], false, false],
  [[6, 40], [40, 16], false, false],
  [[7, 1], [1, 17], false, false],
  [[10, 300], [300, 24], false, false],
  [[11, 64], [64, 31], false, false],
  [[12, 257], [257, 40], false, false],
  [[64, 130], [130, 72], false, false],
  [[70, 600], [600, 33], false, false],
  [[3, 17, 70], [3, 70, 48], false, false],
  [[2, 23, 90], [90, 57], false, false],
  [[300, 13], [300, 20], true, false],
  [[200, 29], [200, 48], true, false],
  [[29, 200], [47, 200], false, true],
  [[2, 150, 22], [2, 19, 150], true, true],
  [[4, 64, 32], [4, 64, 32], false, true],
];

function sines(n: number, seed: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(i * 0.731 + seed));
}

/** {@link sines} for every element of a tensor of `shape`. */
function sinesOf(shape: readonly number[], seed: number): number[] {
  return sines(
    shape.reduce((a, b) => a * b, 1),
    seed,
  );
}

/** Every case with and without a bias on the wasm backend; checks each against float64. */
async function products(label: string): Promise<number[][]> {
  const out: number[][] = [];
  for (const [i, [aShape, bShape, ta, tb]] of CASES.entries()) {
    const av = sinesOf(aShape, i);
    const bv = sinesOf(bShape, i + 40);
    const ref = naiveMatMul(av, aShape, bv, bShape, ta, tb);
    const k = (ta ? aShape[aShape.length - 2] : aShape[aShape.length - 1]) as number;
    const n = ref.shape[ref.shape.length - 1] as number;
    const biasV = sines(n, i + 80);
    const r = await runOn('wasm', () => {
      const a = tf.tensor(av, aShape);
      const b = tf.tensor(bv, bShape);
      return [tf.matMul(a, b, ta, tb), tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias: tf.tensor1d(biasV) })];
    });
    const what = `${label}: [${aShape}] x [${bShape}] ${ta} ${tb}`;
    expect(r.shapes[0], what).toEqual(ref.shape);
    // float32 sums of k products of magnitude <= 1
    const tolerance = 2e-6 * Math.max(k, 16);
    expect(maxAbsDiff(r.values[0]!, ref.values), what).toBeLessThan(tolerance);
    const withBias = ref.values.map((v, j) => v + (biasV[j % n] as number));
    expect(maxAbsDiff(r.values[1]!, withBias), `${what} + bias`).toBeLessThan(tolerance);
    out.push(r.values[0]!, r.values[1]!);
  }
  return out;
}

describe('the SIMD GEMM on 4 x 8 and 6 x 16 register tiles', () => {
  beforeAll(setUpBackends);
  afterEach(() => {
    setSimdGemmTile('auto');
    setSimdKernelBuild('auto');
  });

  it('computes every case right against float64 on both tiles, in both kernel builds', async () => {
    const builds: SimdKernelBuild[] = relaxedSimdSupported() ? ['plain', 'relaxed'] : ['plain'];
    for (const build of builds) {
      setSimdKernelBuild(build);
      const byTile: Partial<Record<SimdGemmTile, number[][]>> = {};
      for (const tile of TILES) {
        setSimdGemmTile(tile);
        expect(simdGemmTile()).toBe(tile);
        byTile[tile] = await products(`${build} ${tile}`);
      }
      // where k fits one block both tiles add the same products in the same order: same bits
      CASES.forEach(([aShape, , ta], i) => {
        const k = (ta ? aShape[aShape.length - 2] : aShape[aShape.length - 1]) as number;
        if (k > 64) return;
        for (const j of [2 * i, 2 * i + 1]) {
          expect(byTile['6x16']?.[j], `${build} case ${i}: tiles differ`).toEqual(byTile['4x8']?.[j]);
        }
      });
    }
  });

  it('takes 6 x 16 exactly where V8 revectorizes (Node 24+ on x64, unless AIT_WASM_REVECTORIZE=0)', async () => {
    const info = await initBackend({ backend: 'wasm' });
    const expected = Number.parseInt(process.versions.v8, 10) >= 13 && process.arch === 'x64' && process.env.AIT_WASM_REVECTORIZE !== '0';
    expect(wasmRevectorize().enabled).toBe(expected);
    expect(info.wasmRevectorize).toEqual(wasmRevectorize());
    expect(info.gemmTile).toBe(expected ? '6x16' : '4x8');
    expect(simdGemmTile()).toBe(info.gemmTile);
    if (expected) expect(info.summary).toMatch(/V8 wasm revectorizer on, 6x16 GEMM tiles/);
    else expect(info.summary).not.toMatch(/revectorizer/);
    expect(() => setSimdGemmTile('8x8' as SimdGemmTile)).toThrow(/unknown tile "8x8"/);
  });

  it('decides on the flag from the V8 version, the architecture and AIT_WASM_REVECTORIZE', () => {
    const node20 = { v8: '11.3.244.8-node.33', node: 'v20.20.2', arch: 'x64', env: undefined };
    const node24 = { v8: '13.6.233.17-node.63', node: 'v24.22.3', arch: 'x64', env: undefined };
    expect(revectorizeDecision(node20)).toEqual({
      flag: null,
      status: { enabled: false, reason: expect.stringMatching(/older than V8 13/) as unknown },
    });
    expect(revectorizeDecision(node24).flag).toBe(REVECTORIZE_FLAG);
    expect(revectorizeDecision(node24).status.enabled).toBe(true);
    expect(revectorizeDecision({ ...node24, env: '1' }).status.enabled).toBe(true);
    const off = revectorizeDecision({ ...node24, env: '0' });
    expect(off.flag).toBe('--no-experimental-wasm-revectorize');
    expect(off.status).toEqual({ enabled: false, reason: expect.stringMatching(/AIT_WASM_REVECTORIZE=0/) as unknown });
    // older V8 knows neither form of the flag: set nothing
    expect(revectorizeDecision({ ...node20, env: '0' }).flag).toBeNull();
    expect(revectorizeDecision({ ...node24, arch: 'arm64' })).toEqual({
      flag: null,
      status: { enabled: false, reason: expect.stringMatching(/x64 only/) as unknown },
    });
  });
});
