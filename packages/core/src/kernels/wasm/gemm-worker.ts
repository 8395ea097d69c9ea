// The contract between the GEMM pool and the runtime platform that starts its workers (worker
// threads under Node); it imports nothing, so the platform layer can name it without the kernels.

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
