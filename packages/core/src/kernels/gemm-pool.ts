import { GEMM_CONTROL, GEMM_JOB, runGemmChunks, type GemmKernel } from './gemm-chunks';
import { gemmTileRows, type SimdGemmTile } from './gemm-tile';
import { sharedKernelModuleFor, simdKernelBuild, simdKernelsFor, type SimdKernelBuild } from './simd-module';
import { asWasmBackend, type WasmBackendInternals } from './wasm-interop';

/** What a pool worker needs: the shared heap, the compiled kernels, the shared job and control. */
export interface GemmWorkerData {
  readonly memory: object;
  readonly module: object;
  readonly job: SharedArrayBuffer;
  readonly control: SharedArrayBuffer;
  /** 1-based index of the worker (0 is the calling thread). */
  readonly thread: number;
}

/** Starts one worker running `source` with `data` (the runtime platform's `startGemmWorker`). */
export type StartGemmWorker = (source: string, data: GemmWorkerData) => { terminate(): unknown };

/**
 * The source of a pool worker: it instantiates the SIMD kernels on the shared heap, then sleeps in
 * `Atomics.wait` until the caller posts a job, takes chunks of it with {@link runGemmChunks}, counts
 * itself finished and sleeps again. Nothing spins: a worker that is not scheduled only delays the
 * end of a job, whose chunks the other threads take meanwhile.
 */
export function gemmWorkerSource(): string {
  return `'use strict';
const { workerData } = require('node:worker_threads');
const runGemmChunks = ${runGemmChunks.toString()};
const { memory, module, job, control, thread } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
// indexed by the job's kernel slot: 4 x 8 tiles, 6 x 16 tiles
const gemms = [kernels.gemmStridedA, kernels.gemmStridedAWide];
const jobs = new Float64Array(job);
const ctl = new Int32Array(control);
// the sequence number when the pool was made: a job posted before this worker got here still runs
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${GEMM_CONTROL.sequence}, seen);
  const now = Atomics.load(ctl, ${GEMM_CONTROL.sequence});
  if (Atomics.load(ctl, ${GEMM_CONTROL.quit}) === 1) break;
  if (now === seen) continue;
  seen = now;
  runGemmChunks(gemms, jobs, ctl, thread);
  Atomics.add(ctl, ${GEMM_CONTROL.finished}, 1);
  Atomics.notify(ctl, ${GEMM_CONTROL.finished});
}
`;
}

/** Below this many multiply-adds a product runs on the calling thread alone (a hand-off costs ~50 us). */
export const GEMM_POOL_MIN_MACS = 1 << 19;

/**
 * Rows of C per chunk: about 4 chunks per thread (for load balance), a multiple of the tile's
 * rows (4 or 6), at least 4 tiles.
 */
function chunkRowsFor(m: number, batch: number, threads: number, tileRows: number): number {
  const perMatrix = Math.max(1, Math.ceil((4 * threads) / batch));
  const rows = Math.ceil(m / perMatrix / tileRows) * tileRows;
  return Math.max(4 * tileRows, rows);
}

/**
 * A pool of worker threads that run @ait/core's SIMD GEMM on tfjs-wasm's shared heap (its
 * threaded build) beside the calling thread. Products are cut into chunks of rows that the
 * threads take one at a time, so a slow or busy thread takes fewer; results are bit-identical to
 * one thread. Workers sleep between products (no busy waiting).
 */
export class GemmPool {
  private readonly job = new Float64Array(new SharedArrayBuffer(GEMM_JOB.length * 8));
  private readonly control = new Int32Array(new SharedArrayBuffer(GEMM_CONTROL.length * 4));
  private readonly workers: { terminate(): unknown }[] = [];

  /**
   * @param gemm the kernel on the calling thread.
   * @param memory tfjs-wasm's shared `WebAssembly.Memory`.
   * @param module the compiled shared-memory build of the SIMD kernels.
   * @param workers worker threads to start (the pool runs `workers + 1` threads).
   * @param start starts a worker (Node: worker_threads).
   */
  constructor(
    /** The build of the SIMD kernels the workers run (see `setSimdKernelBuild`). */
    readonly build: SimdKernelBuild,
    memory: object,
    module: object,
    workers: number,
    start: StartGemmWorker,
  ) {
    const source = gemmWorkerSource();
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

  /** Threads that run a product: the workers and the calling thread. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Chunks of products the workers (not the calling thread) have run so far. */
  get workerChunks(): number {
    return Atomics.load(this.control, GEMM_CONTROL.workerChunks);
  }

  /**
   * Runs the GEMM kernel of `tile` (`gemmStridedA` for `4x8`, `gemmStridedAWide` for `6x16`) with
   * these arguments (`pack`: scratch of `packStride` bytes per thread, or 0) on the pool, or on the
   * calling thread alone when the product is small; `gemm` is the calling thread's kernel (the
   * one `tile` names). Returns when C is complete.
   */
  run(
    gemm: GemmKernel,
    args: {
      a: number;
      sAb: number;
      sAi: number;
      sAk: number;
      b: number;
      sBb: number;
      sBk: number;
      c: number;
      batch: number;
      m: number;
      k: number;
      n: number;
      bias: number;
      hasBias: number;
      kc: number;
      pack: number;
      packStride: number;
    },
    tile: SimdGemmTile = '4x8',
  ): void {
    const { a, sAb, sAi, sAk, b, sBb, sBk, c, batch, m, k, n, bias, hasBias, kc, pack } = args;
    if (this.workers.length === 0 || batch * m * k * n < GEMM_POOL_MIN_MACS || m === 0) {
      gemm(a, sAb, sAi, sAk, b, sBb, sBk, c, batch, m, k, n, bias, hasBias, kc, pack);
      return;
    }
    const chunkRows = chunkRowsFor(m, batch, this.threads, gemmTileRows(tile));
    const perMatrix = Math.ceil(m / chunkRows);
    const job = this.job;
    const kernel = tile === '6x16' ? 1 : 0;
    job.set([
      a,
      sAb,
      sAi,
      sAk,
      b,
      sBb,
      sBk,
      c,
      batch,
      m,
      k,
      n,
      bias,
      hasBias,
      kc,
      pack,
      args.packStride,
      chunkRows,
      perMatrix,
      batch * perMatrix,
      kernel,
    ]);
    const ctl = this.control;
    Atomics.store(ctl, GEMM_CONTROL.nextChunk, 0);
    Atomics.store(ctl, GEMM_CONTROL.finished, 0);
    Atomics.add(ctl, GEMM_CONTROL.sequence, 1);
    Atomics.notify(ctl, GEMM_CONTROL.sequence);
    runGemmChunks([gemm, gemm], job, ctl, 0);
    // every worker counts itself finished once it finds no chunk left; sleep until all have
    for (;;) {
      const finished = Atomics.load(ctl, GEMM_CONTROL.finished);
      if (finished >= this.workers.length) break;
      Atomics.wait(ctl, GEMM_CONTROL.finished, finished);
    }
  }

  /** Ends the workers. */
  dispose(): void {
    Atomics.store(this.control, GEMM_CONTROL.quit, 1);
    Atomics.add(this.control, GEMM_CONTROL.sequence, 1);
    Atomics.notify(this.control, GEMM_CONTROL.sequence);
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
