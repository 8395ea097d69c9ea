import type { SimdKernels } from './simd-module';

/**
 * Kinds of job the GEMM pool runs (slot `kind` of the job array): a GEMM on 4 x 8 tiles (`gemm`),
 * one on 6 x 16 tiles (`gemmWide`), an elementwise kernel (`elementwise`), or a convolution
 * through im2col and the GEMM (`convolution`: forward, or the filter gradient's partial sums).
 */
export const POOL_JOB_KIND = { gemm: 0, gemmWide: 1, elementwise: 2, convolution: 3 } as const;

/**
 * Layout of a job in the pool's shared job array (float64 slots): its kind and number of chunks,
 * then the arguments of the kernel for the whole operation and how it is cut into chunks.
 */
export const POOL_JOB = {
  kind: 0,
  /** Chunks in all; the threads take them one at a time. */
  chunks: 1,
  // a GEMM (the arguments of `gemm` for the whole product, C contiguous [batch, m, n])
  a: 2,
  sAb: 3,
  sAi: 4,
  sAk: 5,
  b: 6,
  sBb: 7,
  sBk: 8,
  sBj: 9,
  c: 10,
  m: 11,
  k: 12,
  n: 13,
  bias: 14,
  hasBias: 15,
  kc: 16,
  /** Packing scratch: thread t uses `pack + t * packStride` (0: none). */
  pack: 17,
  packStride: 18,
  packing: 19,
  /** Rows of C per chunk (a multiple of the tile's rows). */
  chunkRows: 20,
  /** Columns of C per chunk (a multiple of 16, so that every thread's tiles meet the same columns). */
  chunkCols: 21,
  /** Blocks of rows and of columns per matrix of the batch. */
  rowBlocks: 22,
  colBlocks: 23,
  // an elementwise kernel (`elementwise(op, x, y, z, start, end, s, period)`)
  op: 2,
  x: 3,
  y: 4,
  z: 5,
  size: 6,
  /** Elements per chunk. */
  chunkSize: 7,
  s: 8,
  period: 9,
  // a convolution (`im2col` of a block of output pixels into the thread's scratch, then `gemm`)
  convX: 2,
  inH: 3,
  inW: 4,
  inC: 5,
  fh: 6,
  fw: 7,
  sh: 8,
  sw: 9,
  dh: 10,
  dw: 11,
  padTop: 12,
  padLeft: 13,
  outH: 14,
  outW: 15,
  /** Output pixels (rows of the patch matrix) in all, and per chunk. */
  pixels: 16,
  chunkPixels: 17,
  /** The filter `[fh * fw * inC, outC]` (forward) or dy `[pixels, outC]` (filter gradient). */
  convB: 18,
  /** The output `[pixels, outC]` (forward) or the partial filter gradients `[chunks, fh * fw * inC, outC]`. */
  convOut: 19,
  outC: 20,
  /** Scratch: thread t uses `scratch + t * scratchStride` (its patch rows, then packing space). */
  scratch: 21,
  scratchStride: 22,
  /** 0: forward; 1: filter gradient. */
  mode: 23,
  /** The GEMM's tile: 0 for 4 x 8, 1 for 6 x 16. */
  tile: 24,
  convKc: 25,
  /** 1: the patches are gathered transposed, `[fh * fw * inC, pixels of the chunk]` (few input channels). */
  transposedPatches: 26,
  /** Slots in all. */
  length: 27,
} as const;

/** Slots of the pool's shared control array (int32). */
export const POOL_CONTROL = {
  /** Incremented by the caller for every job; workers sleep on it. */
  sequence: 0,
  /** The next chunk to take (every thread takes chunks with an atomic add until none is left). */
  nextChunk: 1,
  /** Workers inside the current job (they may read its slots); the caller waits until none is. */
  active: 2,
  /** Set to 1 to end the workers. */
  quit: 3,
  /** Chunks the workers (not the caller) have run since the pool started, for diagnostics. */
  workerChunks: 4,
  /**
   * 1 once the caller has taken the last chunk: a worker that wakes later leaves the job alone,
   * so that the caller never waits for a worker that is not scheduled (another process on its core).
   */
  closed: 5,
  /** Slots in all. */
  length: 6,
} as const;

/** The SIMD GEMM kernel's signature (see `assembly/gemm.ts`). */
export type GemmKernel = SimdKernels['gemm'];

/** The SIMD elementwise entry's signature (see `assembly/elementwise.ts`). */
export type ElementwiseKernel = SimdKernels['elementwise'];

/** The SIMD im2col kernel's signature (see `assembly/im2col.ts`). */
export type Im2colKernel = SimdKernels['im2col'];

/** The kernels a thread runs jobs with: the two GEMMs (indexed by the tile), elementwise, im2col. */
export type PoolKernels = readonly [GemmKernel, GemmKernel, ElementwiseKernel, Im2colKernel];

/** Bytes of a convolution chunk's patch rows in its thread's scratch (the packing space follows). */
export function convolutionColsBytes(chunkPixels: number, patch: number): number {
  return Math.ceil((chunkPixels * patch * 4) / 64) * 64;
}

/**
 * Takes chunks of the current job until none is left and runs each on the calling thread
 * (`thread`: 0 for the caller, 1.. for the workers, which picks the scratch memory). A GEMM's chunk
 * `i` is block `(rb, cb)` of rows and columns of matrix `floor(i / (rowBlocks * colBlocks))`; an
 * elementwise job's chunk `i` is elements `i * chunkSize ..`; a convolution's chunk `i` is output
 * pixels `i * chunkPixels ..`, whose patches the thread writes to its scratch (as rows, or
 * transposed for few input channels) and multiplies
 * with the filter (forward: into those pixels' outputs) or, transposed, with their rows of dy
 * (filter gradient: into partial sum `i`). Every output is computed the same way whichever thread
 * computes it, so the result is bit-identical to running every chunk on one thread.
 *
 * This function is also the workers' code (it is sent to them as text), so it must not use
 * anything from outside its own body.
 */
export function runPoolChunks(kernels: PoolKernels, job: Float64Array, control: Int32Array, thread: number): void {
  // slot numbers repeated here as literals: the workers receive this function's text alone
  const kind = job[0] as number;
  const chunks = job[1] as number;
  if (kind === 2) {
    const elementwise = kernels[2];
    const op = job[2] as number;
    const size = job[6] as number;
    const chunkSize = job[7] as number;
    for (;;) {
      const i = Atomics.add(control, 1, 1);
      if (i >= chunks) return;
      if (thread > 0) Atomics.add(control, 4, 1);
      const start = i * chunkSize;
      elementwise(
        op,
        job[3] as number,
        job[4] as number,
        job[5] as number,
        start,
        Math.min(size, start + chunkSize),
        job[8] as number,
        job[9] as number,
      );
    }
  }
  if (kind === 3) {
    const im2col = kernels[3];
    const gemm = kernels[(job[24] as number) === 1 ? 1 : 0];
    const inC = job[5] as number;
    const fh = job[6] as number;
    const fw = job[7] as number;
    const pixels = job[16] as number;
    const chunkPixels = job[17] as number;
    const outC = job[20] as number;
    const patch = fh * fw * inC;
    const cols = (job[21] as number) + thread * (job[22] as number);
    // convolutionColsBytes, repeated
    const pack = cols + Math.ceil((chunkPixels * patch * 4) / 64) * 64;
    const kc = job[25] as number;
    const filterGradient = (job[23] as number) === 1;
    const transposed = job[26] as number;
    for (;;) {
      const i = Atomics.add(control, 1, 1);
      if (i >= chunks) return;
      if (thread > 0) Atomics.add(control, 4, 1);
      const r0 = i * chunkPixels;
      const rows = Math.min(pixels, r0 + chunkPixels) - r0;
      im2col(
        job[2] as number,
        job[3] as number,
        job[4] as number,
        inC,
        fh,
        fw,
        job[8] as number,
        job[9] as number,
        job[10] as number,
        job[11] as number,
        job[12] as number,
        job[13] as number,
        job[14] as number,
        job[15] as number,
        cols,
        r0,
        r0 + rows,
        transposed,
      );
      // the patches as A (forward) or A^T (filter gradient): rows [rows, patch] or columns [patch, rows]
      const sP = transposed ? 4 : patch * 4;
      const sK = transposed ? rows * 4 : 4;
      if (filterGradient) {
        // partial[i] = patches^T dy (rows r0.. of both)
        const dy = (job[18] as number) + r0 * outC * 4;
        const out = (job[19] as number) + i * patch * outC * 4;
        gemm(cols, 0, sK, sP, dy, 0, outC * 4, 4, out, outC * 4, 1, patch, rows, outC, 0, 0, kc, pack, 0);
      } else {
        // output rows r0.. = patches filter
        const out = (job[19] as number) + r0 * outC * 4;
        gemm(cols, 0, sP, sK, job[18] as number, 0, outC * 4, 4, out, outC * 4, 1, rows, patch, outC, 0, 0, kc, pack, transposed ? 3 : 1);
      }
    }
  }
  const gemm = kernels[kind === 1 ? 1 : 0];
  const a = job[2] as number;
  const sAi = job[4] as number;
  const sAk = job[5] as number;
  const b = job[6] as number;
  const sBk = job[8] as number;
  const sBj = job[9] as number;
  const c = job[10] as number;
  const m = job[11] as number;
  const k = job[12] as number;
  const n = job[13] as number;
  const bias = job[14] as number;
  const hasBias = job[15] as number;
  const kc = job[16] as number;
  const pack = (job[17] as number) === 0 ? 0 : (job[17] as number) + thread * (job[18] as number);
  const packing = job[19] as number;
  const chunkRows = job[20] as number;
  const chunkCols = job[21] as number;
  const colBlocks = job[23] as number;
  const perMatrix = (job[22] as number) * colBlocks;
  for (;;) {
    const i = Atomics.add(control, 1, 1);
    if (i >= chunks) return;
    if (thread > 0) Atomics.add(control, 4, 1);
    const matrix = Math.floor(i / perMatrix);
    const block = i % perMatrix;
    const i0 = Math.floor(block / colBlocks) * chunkRows;
    const j0 = (block % colBlocks) * chunkCols;
    gemm(
      a + matrix * (job[3] as number) + i0 * sAi,
      0,
      sAi,
      sAk,
      b + matrix * (job[7] as number) + j0 * sBj,
      0,
      sBk,
      sBj,
      c + ((matrix * m + i0) * n + j0) * 4,
      n * 4,
      1,
      Math.min(chunkRows, m - i0),
      k,
      Math.min(chunkCols, n - j0),
      hasBias ? bias + j0 * 4 : 0,
      hasBias,
      kc,
      pack,
      packing,
    );
  }
}
