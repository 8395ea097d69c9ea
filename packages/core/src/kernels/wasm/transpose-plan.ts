/** A transpose with size-1 axes dropped and axes that stay adjacent merged. */
export interface TransposePlan {
  /** Input shape after simplification. */
  readonly shape: number[];
  /** Permutation over the simplified axes: output axis i is input axis perm[i]. */
  readonly perm: number[];
}

/**
 * Simplifies `transpose(x, perm)` for `x` of `shape`: drops size-1 axes and merges runs of
 * input axes that stay consecutive and in order in the output (e.g. `[64, 64, 3, 4, 32]` with
 * perm `[0, 1, 3, 2, 4]` becomes `[4096, 3, 4, 32]` with `[0, 2, 1, 3]`). The element order of
 * input and output is unchanged by this; only the loops get fewer and longer.
 */
export function planTranspose(shape: readonly number[], perm: readonly number[]): TransposePlan {
  if (perm.length !== shape.length) {
    throw new Error(`transpose: perm [${perm.join(', ')}] must have one entry per axis of shape [${shape.join(', ')}].`);
  }
  const kept = perm.filter((axis) => (shape[axis] as number) !== 1);
  // Merge runs: output-consecutive axes a, a+1 (in input numbering, ignoring dropped axes).
  const keptSorted = [...kept].sort((a, b) => a - b);
  const rankOf = new Map(keptSorted.map((axis, i) => [axis, i]));
  const groups: number[][] = [];
  for (const axis of kept) {
    const last = groups[groups.length - 1];
    const prev = last?.[last.length - 1];
    if (last && prev !== undefined && rankOf.get(axis) === (rankOf.get(prev) as number) + 1) last.push(axis);
    else groups.push([axis]);
  }
  // Groups in input order give the simplified input shape.
  const byInput = [...groups].sort((a, b) => (a[0] as number) - (b[0] as number));
  const newShape = byInput.map((g) => g.reduce((s, axis) => s * (shape[axis] as number), 1));
  const newPerm = groups.map((g) => byInput.indexOf(g));
  return { shape: newShape, perm: newPerm };
}

type NumArray = Float32Array | Int32Array | Uint8Array;

/**
 * Writes `transpose(src, perm)` into `dst` for a simplified plan (see {@link planTranspose}).
 * When the innermost axis stays innermost, contiguous runs are copied; when the permutation
 * swaps the last two axes (a batch of matrix transposes), 2-D tiles are used so that both
 * reads and writes stay in cache; other cases walk the output in order with strided reads.
 */
export function transposeInto(src: NumArray, dst: NumArray, plan: TransposePlan): void {
  const { shape, perm } = plan;
  const r = shape.length;
  if (r <= 1) {
    dst.set(src.subarray(0, dst.length));
    return;
  }
  const inStrides = new Array<number>(r).fill(1);
  for (let i = r - 2; i >= 0; i--) inStrides[i] = (inStrides[i + 1] as number) * (shape[i + 1] as number);
  const outShape = perm.map((p) => shape[p] as number);
  // Stride in the input of each output axis.
  const srcStride = perm.map((p) => inStrides[p] as number);
  if (perm[r - 1] === r - 1) {
    copyRuns(src, dst, outShape, srcStride);
    return;
  }
  const batchedSwap = perm[r - 1] === r - 2 && perm[r - 2] === r - 1 && perm.slice(0, r - 2).every((p, i) => p === i);
  if (batchedSwap) {
    const rows = shape[r - 2] as number;
    const cols = shape[r - 1] as number;
    const count = src.length / (rows * cols);
    for (let b = 0; b < count; b++) transpose2d(src, dst, b * rows * cols, rows, cols);
    return;
  }
  strided(src, dst, outShape, srcStride);
}

/**
 * Advances the odometer `idx` over the outer output axes `0 .. idx.length - 1` (sizes from
 * `outShape`) by one step and returns the input offset `s` moved with it (`srcStride`: the input
 * stride of each output axis).
 */
function nextOuter(idx: number[], outShape: number[], srcStride: number[], s: number): number {
  for (let ax = idx.length - 1; ax >= 0; ax--) {
    const v = (idx[ax] as number) + 1;
    if (v < (outShape[ax] as number)) {
      idx[ax] = v;
      return s + (srcStride[ax] as number);
    }
    idx[ax] = 0;
    s -= (v - 1) * (srcStride[ax] as number);
  }
  return s;
}

/** Copies runs of the (unmoved) innermost axis, walking the outer output axes in order. */
function copyRuns(src: NumArray, dst: NumArray, outShape: number[], srcStride: number[]): void {
  const r = outShape.length;
  const run = outShape[r - 1] as number;
  const idx = new Array<number>(r - 1).fill(0);
  const total = dst.length;
  let s = 0;
  for (let d = 0; d < total; d += run) {
    if (run >= 32) dst.set(src.subarray(s, s + run), d);
    else for (let j = 0; j < run; j++) dst[d + j] = src[s + j] as number;
    s = nextOuter(idx, outShape, srcStride, s);
  }
}

const TILE = 32;

/** Transposes one `[rows, cols]` matrix at `offset` of `src` into the same offset of `dst`. */
function transpose2d(src: NumArray, dst: NumArray, offset: number, rows: number, cols: number): void {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = Math.min(i0 + TILE, rows);
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = Math.min(j0 + TILE, cols);
      for (let j = j0; j < j1; j++) {
        let d = offset + j * rows + i0;
        let s = offset + i0 * cols + j;
        for (let i = i0; i < i1; i++, d++, s += cols) dst[d] = src[s] as number;
      }
    }
  }
}

/** General case: output in order, input read with the strides of the permuted axes. */
function strided(src: NumArray, dst: NumArray, outShape: number[], srcStride: number[]): void {
  const r = outShape.length;
  const inner = outShape[r - 1] as number;
  const innerStride = srcStride[r - 1] as number;
  const idx = new Array<number>(r - 1).fill(0);
  const total = dst.length;
  let s = 0;
  for (let d = 0; d < total; d += inner) {
    for (let j = 0, sj = s; j < inner; j++, sj += innerStride) dst[d + j] = src[sj] as number;
    s = nextOuter(idx, outShape, srcStride, s);
  }
}
