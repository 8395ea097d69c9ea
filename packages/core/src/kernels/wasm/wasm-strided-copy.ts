import type { SimdKernels } from './simd-module';

/**
 * Copies a strided box of contiguous runs into dense memory with the SIMD module's row copies:
 * the destination is `[...shape, run]` elements of `bytes` bytes each, and the run at index
 * `(i0, ..., ik)` starts at `src + sum(i_a * srcStrides[a]) * bytes`. The last axis of `shape` is
 * walked by one `copyRows` call, the others by an odometer here. Offsets are heap byte offsets;
 * an empty `shape` copies one run.
 */
export function copyStridedRuns(
  simd: SimdKernels,
  src: number,
  dst: number,
  shape: readonly number[],
  srcStrides: readonly number[],
  run: number,
  bytes: number,
): void {
  const runBytes = run * bytes;
  if (shape.length === 0) {
    simd.copyRows(src, 0, dst, 0, 1, runBytes);
    return;
  }
  const last = shape.length - 1;
  const rows = shape[last] as number;
  const rowStride = (srcStrides[last] as number) * bytes;
  const count = shape.slice(0, last).reduce((a, b) => a * b, 1);
  const index = new Array<number>(last).fill(0);
  let s = src;
  let d = dst;
  for (let c = 0; c < count; c++) {
    simd.copyRows(s, rowStride, d, runBytes, rows, runBytes);
    d += rows * runBytes;
    for (let a = last - 1; a >= 0; a--) {
      const v = (index[a] as number) + 1;
      if (v < (shape[a] as number)) {
        index[a] = v;
        s += (srcStrides[a] as number) * bytes;
        break;
      }
      index[a] = 0;
      s -= (v - 1) * (srcStrides[a] as number) * bytes;
    }
  }
}
