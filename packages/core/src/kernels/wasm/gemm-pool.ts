import {
  POOL_CONTROL,
  POOL_JOB,
  POOL_JOB_KIND,
  runPoolChunks,
  type ElementwiseKernel,
  type GemmKernel,
  type PoolKernels,
} from './pool-jobs';
import { gemmTileRows, type SimdGemmTile } from './gemm-tile';
import { sharedKernelModuleFor, simdKernelBuild, simdKernelsFor, type SimdKernelBuild } from './simd-module';
import { asWasmBackend, type WasmBackendInternals } from './wasm-interop';
import type { StartGemmWorker } from './gemm-worker';

export type { GemmWorkerData, StartGemmWorker } from './gemm-worker';

/**
 * The source of a pool worker: it instantiates the SIMD kernels on the shared heap, then sleeps in
 * `Atomics.wait` until the caller posts a job, joins it unless the caller has closed it already
 * (taken the last chunk), takes chunks with {@link runPoolChunks}, leaves and sleeps again.
 * Nothing spins, and the caller waits only for workers inside the job: a worker that is not
 * scheduled (another process busy on its core) neither delays the job nor misses later ones.
 */
export function gemmWorkerSource(): string {
  return `'use strict';
const { workerData } = require('node:worker_threads');
const runPoolChunks = ${runPoolChunks.toString()};
const { memory, module, job, control, thread } = workerData;
const exported = new WebAssembly.Instance(module, { env: { memory } }).exports;
// GEMM on 4 x 8 tiles, GEMM on 6 x 16 tiles, elementwise kernels, im2col
const kernels = [exported.gemm, exported.gemmWide, exported.elementwise, exported.im2col];
const jobs = new Float64Array(job);
const ctl = new Int32Array(control);
// the sequence number when the pool was made: a job posted before this worker got here still runs
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${POOL_CONTROL.sequence}, seen);
  const now = Atomics.load(ctl, ${POOL_CONTROL.sequence});
  if (Atomics.load(ctl, ${POOL_CONTROL.quit}) === 1) break;
  if (now === seen) continue;
  seen = now;
  // join, then read the job only if it is still this one and open (the caller waits for joined
  // workers before it writes the next job)
  Atomics.add(ctl, ${POOL_CONTROL.active}, 1);
  if (Atomics.load(ctl, ${POOL_CONTROL.sequence}) === now && Atomics.load(ctl, ${POOL_CONTROL.closed}) === 0) {
    runPoolChunks(kernels, jobs, ctl, thread);
  }
  if (Atomics.sub(ctl, ${POOL_CONTROL.active}, 1) === 1) Atomics.notify(ctl, ${POOL_CONTROL.active});
}
`;
}

/** Below this many multiply-adds a product runs on the calling thread alone (a hand-off costs ~50 us). */
export const GEMM_POOL_MIN_MACS = 1 << 19;

/** Below this many elements an elementwise kernel runs on the calling thread alone. */
export const ELEMENTWISE_POOL_MIN = 1 << 16;

/** How a GEMM is cut into chunks: blocks of rows and of columns of each matrix of the batch. */
export interface GemmChunkPlan {
  readonly chunkRows: number;
  readonly chunkCols: number;
  readonly rowBlocks: number;
  readonly colBlocks: number;
}

/**
 * Cuts each `[m, n]` matrix of C into about `4 * threads / batch` blocks (at least one; several
 * chunks per thread balance the load when a thread is slow or busy). Rows come in multiples of
 * the tile's rows (at least 4 tiles), columns in multiples of 16. Of the ways to cut, the one that
 * packs the fewest operand elements wins: every block of rows packs its k x columns of B, every
 * block of columns reads (or packs) its rows of A, so a tall C (forward products) is cut into rows
 * and a small square one (weight gradients, `[d_in, d_out]` with a long k) into both.
 */
export function planGemmChunks(batch: number, m: number, n: number, threads: number, tileRows: number): GemmChunkPlan {
  const target = Math.max(1, Math.ceil((4 * threads) / batch));
  let best: GemmChunkPlan & { cost: number } = { chunkRows: m, chunkCols: n, rowBlocks: 1, colBlocks: 1, cost: Infinity };
  for (let cols = 1; cols <= target; cols++) {
    const rows = Math.ceil(target / cols);
    const chunkRows = Math.max(4 * tileRows, Math.ceil(m / rows / tileRows) * tileRows);
    const chunkCols = Math.max(16, Math.ceil(n / cols / 16) * 16);
    const rowBlocks = Math.ceil(m / chunkRows);
    const colBlocks = Math.ceil(n / chunkCols);
    const cost = rowBlocks * n + colBlocks * m;
    if (cost < best.cost) best = { chunkRows, chunkCols, rowBlocks, colBlocks, cost };
  }
  const { chunkRows, chunkCols, rowBlocks, colBlocks } = best;
  return { chunkRows, chunkCols, rowBlocks, colBlocks };
}

/** The arguments of the GEMM kernel for a whole product (C contiguous `[batch, m, n]`). */
export interface GemmJob {
  a: number;
  sAb: number;
  sAi: number;
  sAk: number;
  b: number;
  sBb: number;
  sBk: number;
  sBj: number;
  c: number;
  batch: number;
  m: number;
  k: number;
  n: number;
  bias: number;
  hasBias: number;
  kc: number;
  /** Packing scratch of `packStride` bytes per thread of the pool, or 0. */
  pack: number;
  packStride: number;
  packing: number;
}

/**
 * A pool of worker threads that run @ait/core's SIMD GEMM, elementwise and convolution kernels on
 * tfjs-wasm's shared heap (its threaded build) beside the calling thread. Operations are cut into
 * chunks (blocks of a product's C, ranges of elements, blocks of output pixels) that the threads
 * take one at a time, so a slow or busy thread takes fewer; results are bit-identical to one
 * thread. Workers sleep between operations (no busy waiting).
 */
export class GemmPool {
  private readonly job = new Float64Array(new SharedArrayBuffer(POOL_JOB.length * 8));
  private readonly control = new Int32Array(new SharedArrayBuffer(POOL_CONTROL.length * 4));
  private readonly workers: { terminate(): unknown }[] = [];

  /**
   * @param build the build of the SIMD kernels the workers run (see `setSimdKernelBuild`).
   * @param memory tfjs-wasm's shared `WebAssembly.Memory`.
   * @param module the compiled shared-memory build of the SIMD kernels.
   * @param workers worker threads to start (the pool runs `workers + 1` threads).
   * @param start starts a worker (Node: worker_threads).
   */
  constructor(
    readonly build: SimdKernelBuild,
    memory: object,
    module: object,
    workers: number,
    start: StartGemmWorker,
  ) {
    const source = gemmWorkerSource();
    Atomics.store(this.control, POOL_CONTROL.closed, 1);
    for (let t = 1; t <= workers; t++) {
      this.workers.push(
        start(source, {
          memory,
          module,
          job: this.job.buffer as SharedArrayBuffer,
          control: this.control.buffer as SharedArrayBuffer,
          thread: t,
        }),
      );
    }
  }

  /** Threads that run an operation: the workers and the calling thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Chunks the workers (not the calling thread) have run so far. */
  get workerChunks(): number {
    return Atomics.load(this.control, POOL_CONTROL.workerChunks);
  }

  /**
   * Runs the GEMM kernel of `tile` (`gemm` for `4x8`, `gemmWide` for `6x16`) on the whole product
   * `job` on the pool, cut by {@link planGemmChunks}, or on the calling thread alone when the
   * product is small; `gemm` is the calling thread's kernel (the one `tile` names). Returns when C
   * is complete.
   */
  run(gemm: GemmKernel, job: GemmJob, tile: SimdGemmTile = '4x8'): void {
    const { a, sAb, sAi, sAk, b, sBb, sBk, sBj, c, batch, m, k, n, bias, hasBias, kc, pack, packing } = job;
    if (this.workers.length === 0 || batch * m * k * n < GEMM_POOL_MIN_MACS || m === 0 || n === 0) {
      gemm(a, sAb, sAi, sAk, b, sBb, sBk, sBj, c, n * 4, batch, m, k, n, bias, hasBias, kc, pack, packing);
      return;
    }
    const plan = planGemmChunks(batch, m, n, this.threads, gemmTileRows(tile));
    const unused = (): void => undefined;
    this.runJob([gemm, gemm, unused, unused], (slots) => {
      slots[POOL_JOB.kind] = tile === '6x16' ? POOL_JOB_KIND.gemmWide : POOL_JOB_KIND.gemm;
      slots[POOL_JOB.chunks] = batch * plan.rowBlocks * plan.colBlocks;
      const values: [keyof typeof POOL_JOB, number][] = [
        ['a', a],
        ['sAb', sAb],
        ['sAi', sAi],
        ['sAk', sAk],
        ['b', b],
        ['sBb', sBb],
        ['sBk', sBk],
        ['sBj', sBj],
        ['c', c],
        ['m', m],
        ['k', k],
        ['n', n],
        ['bias', bias],
        ['hasBias', hasBias],
        ['kc', kc],
        ['pack', pack],
        ['packStride', job.packStride],
        ['packing', packing],
        ['chunkRows', plan.chunkRows],
        ['chunkCols', plan.chunkCols],
        ['rowBlocks', plan.rowBlocks],
        ['colBlocks', plan.colBlocks],
      ];
      for (const [slot, value] of values) slots[POOL_JOB[slot]] = value;
    });
  }

  /**
   * Runs elementwise kernel `op` (see `assembly/elementwise.ts`) on `size` elements of the arrays
   * at `x`, `y`, `z` (scalar `s`, bias `period`) on the pool, or on the calling thread alone below
   * {@link ELEMENTWISE_POOL_MIN} elements; `elementwise` is the calling thread's kernel.
   */
  runElementwise(elementwise: ElementwiseKernel, op: number, x: number, y: number, z: number, size: number, s = 0, period = 1): void {
    if (this.workers.length === 0 || size < ELEMENTWISE_POOL_MIN) {
      elementwise(op, x, y, z, 0, size, s, period);
      return;
    }
    const chunkSize = Math.max(8192, Math.ceil(size / (4 * this.threads) / 16) * 16);
    const unused = (): void => undefined;
    this.runJob([unused, unused, elementwise, unused], (slots) => {
      slots[POOL_JOB.kind] = POOL_JOB_KIND.elementwise;
      slots[POOL_JOB.chunks] = Math.ceil(size / chunkSize);
      slots[POOL_JOB.op] = op;
      slots[POOL_JOB.x] = x;
      slots[POOL_JOB.y] = y;
      slots[POOL_JOB.z] = z;
      slots[POOL_JOB.size] = size;
      slots[POOL_JOB.chunkSize] = chunkSize;
      slots[POOL_JOB.s] = s;
      slots[POOL_JOB.period] = period;
    });
  }

  /**
   * Runs a job on every thread of the pool: `write` fills the job array (zeroed first; see
   * `POOL_JOB`), then the workers are woken, the calling thread takes chunks with `kernels` too,
   * and this returns when every chunk is done.
   */
  runJob(kernels: PoolKernels, write: (slots: Float64Array) => void): void {
    const slots = this.job;
    const ctl = this.control;
    // no worker reads the slots now: the last job ended with none inside, and it is closed
    slots.fill(0);
    write(slots);
    Atomics.store(ctl, POOL_CONTROL.nextChunk, 0);
    // opening the job publishes the slots written above to the workers that join it
    Atomics.store(ctl, POOL_CONTROL.closed, 0);
    Atomics.add(ctl, POOL_CONTROL.sequence, 1);
    Atomics.notify(ctl, POOL_CONTROL.sequence);
    runPoolChunks(kernels, slots, ctl, 0);
    // every chunk is taken: close the job, then sleep until the workers inside it have left
    // (those still running a chunk); workers that wake later leave it alone
    Atomics.store(ctl, POOL_CONTROL.closed, 1);
    for (;;) {
      const active = Atomics.load(ctl, POOL_CONTROL.active);
      if (active === 0) break;
      Atomics.wait(ctl, POOL_CONTROL.active, active);
    }
  }

  /** Ends the workers. */
  dispose(): void {
    Atomics.store(this.control, POOL_CONTROL.quit, 1);
    Atomics.add(this.control, POOL_CONTROL.sequence, 1);
    Atomics.notify(this.control, POOL_CONTROL.sequence);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}

const pools = new WeakMap<object, GemmPool>();

/**
 * The GEMM pool of this wasm backend's heap, if {@link startGemmPool} started one and its workers
 * run the kernel build in use (after `setSimdKernelBuild` changed it, products run on the calling
 * thread until a pool is started again).
 */
export function gemmPoolFor(backend: WasmBackendInternals): GemmPool | undefined {
  const pool = pools.get(backend.wasm as object);
  return pool && pool.build === simdKernelBuild() ? pool : undefined;
}

/** Ends the GEMM pool of this wasm backend, if any; its products run on the calling thread again. */
export function stopGemmPool(backendRaw: unknown): void {
  const backend = asWasmBackend(backendRaw);
  pools.get(backend.wasm as object)?.dispose();
  pools.delete(backend.wasm as object);
}

/**
 * Starts a pool of `workers` threads for the SIMD GEMM on this wasm backend (tfjs-wasm's threaded
 * build, whose heap is shared), replacing a pool it had. Throws where the heap is not shared or
 * the kernels cannot load.
 */
export function startGemmPool(backendRaw: unknown, workers: number, start: StartGemmWorker): GemmPool {
  const backend = asWasmBackend(backendRaw);
  const shared = sharedKernelModuleFor(backend);
  if (!simdKernelsFor(backend) || !shared) {
    throw new Error("startGemmPool: the wasm backend has no shared heap with the SIMD kernels (start tfjs-wasm's threaded build first).");
  }
  pools.get(backend.wasm as object)?.dispose();
  const pool = new GemmPool(simdKernelBuild(), shared.memory, shared.module, workers, start);
  pools.set(backend.wasm as object, pool);
  return pool;
}
