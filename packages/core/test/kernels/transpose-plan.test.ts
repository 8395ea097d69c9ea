import { describe, expect, it } from 'vitest';
import { planTranspose, transposeInto } from '../../src/kernels/wasm/transpose-plan';

/** Naive transpose by index arithmetic, for reference. */
function naiveTranspose(src: Float32Array, shape: number[], perm: number[]): Float32Array {
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out = new Float32Array(src.length);
  const idx = new Array<number>(shape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let rem = o;
    for (let ax = outShape.length - 1; ax >= 0; ax--) {
      idx[ax] = rem % outShape[ax]!;
      rem = Math.floor(rem / outShape[ax]!);
    }
    let s = 0;
    for (let ax = 0; ax < perm.length; ax++) s += idx[ax]! * inStrides[perm[ax]!]!;
    out[o] = src[s]!;
  }
  return out;
}

const CASES: [number[], number[]][] = [
  [
    [5, 7],
    [1, 0],
  ],
  [
    [70, 90],
    [1, 0],
  ],
  [
    [4, 6, 3, 5, 8],
    [2, 0, 3, 1, 4],
  ], // attention qkv split layout
  [
    [3, 4, 5, 6, 7],
    [1, 3, 0, 2, 4],
  ],
  [
    [2, 3, 4, 5, 6],
    [4, 3, 2, 1, 0],
  ], // innermost moves: strided path
  [
    [6, 33, 40],
    [0, 2, 1],
  ], // batched matrix transposes
  [
    [2, 1, 3, 1, 4],
    [4, 3, 2, 1, 0],
  ], // size-1 axes
  [
    [4, 5, 6, 7],
    [0, 1, 3, 2],
  ],
  [
    [3, 4, 5, 6, 2],
    [0, 1, 2, 3, 4],
  ], // identity
];

describe('transposeInto', () => {
  for (const [shape, perm] of CASES) {
    it(`equals a naive transpose for shape [${shape}] perm [${perm}]`, () => {
      const n = shape.reduce((a, b) => a * b, 1);
      const src = Float32Array.from({ length: n }, (_, i) => i * 0.5 - 3);
      const dst = new Float32Array(n);
      transposeInto(src, dst, planTranspose(shape, perm));
      expect(Array.from(dst)).toEqual(Array.from(naiveTranspose(src, shape, perm)));
    });
  }

  it('merges axes that stay adjacent and drops size-1 axes', () => {
    expect(planTranspose([64, 64, 3, 4, 32], [0, 1, 3, 2, 4])).toEqual({ shape: [4096, 3, 4, 32], perm: [0, 2, 1, 3] });
    expect(planTranspose([1, 4096, 512], [0, 2, 1])).toEqual({ shape: [4096, 512], perm: [1, 0] });
    expect(planTranspose([2, 3, 4], [0, 1, 2])).toEqual({ shape: [24], perm: [0] });
  });

  it('rejects a permutation of the wrong length', () => {
    expect(() => planTranspose([2, 3], [0])).toThrow(/one entry per axis/);
  });
});
