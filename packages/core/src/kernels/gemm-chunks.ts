import type { SimdKernels } from './simd-module';

/**
 * Layout of a GEMM job in the pool's shared job array (float64 slots): the arguments of the SIMD
 * kernel `gemmStridedA` for the whole product, then how it is cut into chunks of rows.
 */
export const GEMM_JOB = {
  a: 0,
  sAb: 1,
  sAi: 2,
  sAk: 3,
  b: 4,
  sBb: 5,
  sBk: 6,
  c: 7,
  batch: 8,
  m: 9,
  k: 10,
  n: 11,
  bias: 12,
  hasBias: 13,
  kc: 14,
  /** Scratch for B's packed panels: thread t uses `pack + t * packStride` (0: no packing). */
  pack: 15,
  packStride: 16,
  /** Rows of C per chunk (a multiple of the kernel's tile height: 4, or 6 for the 6 x 16 tile). */
  chunkRows: 17,
  /** Chunks per matrix of the batch. */
  chunksPerMatrix: 18,
  /** Chunks in all (`batch * chunksPerMatrix`). */
  chunks: 19,
  /** Which kernel runs the chunks: 0 `gemmStridedA` (4 x 8 tiles), 1 `gemmStridedAWide` (6 x 16). */
  kernel: 20,
  /** Slots in all. */
  length: 21,
} as const;

/** Slots of the pool's shared control array (int32). */
export const GEMM_CONTROL = {
  /** Incremented by the caller for every job; workers sleep on it. */
  sequence: 0,
  /** The next chunk to take (every thread takes chunks with an atomic add until none is left). */
  nextChunk: 1,
  /** Workers that have finished the current job. */
  finished: 2,
  /** Set to 1 to end the workers. */
  quit: 3,
  /** Chunks the workers (not the caller) have run since the pool started, for diagnostics. */
  workerChunks: 4,
  /** Slots in all. */
  length: 5,
} as const;

/** The SIMD kernel's signature (see `assembly/gemm.ts`). */
export type GemmKernel = SimdKernels['gemmStridedA'];

/**
 * Takes chunks of the current job until none is left and runs each on the calling thread
 * (`thread`: 0 for the caller, 1.. for the workers, which picks the packing scratch) with
 * `kernels[job.kernel]`. Chunk `i` is rows `r * chunkRows ..` of matrix
 * `floor(i / chunksPerMatrix)` of the batch; since every element of C is computed the same way
 * whichever tile and thread compute it, the result is bit-identical to one call on one thread.
 *
 * This function is also the workers' code (it is sent to them as text), so it must not use
 * anything from outside its own body.
 */
export function runGemmChunks(kernels: readonly GemmKernel[], job: Float64Array, control: Int32Array, thread: number): void {
  // slot numbers repeated here as literals: the workers receive this function's text alone
  const a = job[0] as number;
  const sAb = job[1] as number;
  const sAi = job[2] as number;
  const sAk = job[3] as number;
  const b = job[4] as number;
  const sBb = job[5] as number;
  const sBk = job[6] as number;
  const c = job[7] as number;
  const m = job[9] as number;
  const k = job[10] as number;
  const n = job[11] as number;
  const bias = job[12] as number;
  const hasBias = job[13] as number;
  const kc = job[14] as number;
  const pack = (job[15] as number) === 0 ? 0 : (job[15] as number) + thread * (job[16] as number);
  const chunkRows = job[17] as number;
  const perMatrix = job[18] as number;
  const chunks = job[19] as number;
  const gemm = kernels[job[20] as number] as GemmKernel;
  for (;;) {
    const i = Atomics.add(control, 1, 1);
    if (i >= chunks) return;
    if (thread > 0) Atomics.add(control, 4, 1);
    const matrix = Math.floor(i / perMatrix);
    const i0 = (i % perMatrix) * chunkRows;
    const rows = Math.min(m - i0, chunkRows);
    gemm(
      a + matrix * sAb + i0 * sAi,
      0,
      sAi,
      sAk,
      b + matrix * sBb,
      0,
      sBk,
      c + (matrix * m + i0) * n * 4,
      1,
      rows,
      k,
      n,
      bias,
      hasBias,
      kc,
      pack,
    );
  }
}
