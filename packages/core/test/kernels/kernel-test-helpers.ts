import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src/index';
import { registerFastKernels } from '../../src/kernels/index';

/**
 * Selects the wasm backend with the fast kernels installed (the cpu backend stays registered so
 * that tests can compare). Call from `beforeAll`.
 */
export async function setUpBackends(): Promise<void> {
  await initBackend({ backend: 'cpu' });
  await initBackend({ backend: 'wasm' });
  registerFastKernels('wasm');
  registerFastKernels('cpu');
}

/** Deterministic values in [-1, 1) that are exact in float32 (multiples of 1/1024). */
export function values(n: number, seed: number): number[] {
  const out = new Array<number>(n);
  let s = (seed * 2654435761) >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((s >>> 12) % 2048) / 1024 - 1;
  }
  return out;
}

/** {@link values} for every element of a tensor of `shape`. */
export function valuesOf(shape: readonly number[], seed: number): number[] {
  return values(
    shape.reduce((a, b) => a * b, 1),
    seed,
  );
}

/** Runs `fn` on `backend` and returns its tensors' values (float64 arrays) and shapes. */
export async function runOn(backend: string, fn: () => tf.Tensor | tf.Tensor[]): Promise<{ values: number[][]; shapes: number[][] }> {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const result = { values: list.map((t) => Array.from(t.dataSync())), shapes: list.map((t) => t.shape) };
    tf.dispose(list);
    return result;
  } finally {
    await tf.setBackend(previous);
  }
}

/** Largest absolute difference of two equally long arrays (throws when lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** Row-major strides of `shape`. */
function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = (s[i + 1] as number) * (shape[i + 1] as number);
  return s;
}

/**
 * Naive float64 `matMul(a, b, transposeA, transposeB)` with NumPy batch broadcasting; returns
 * the flat values and the output shape.
 */
export function naiveMatMul(
  a: readonly number[],
  aShape: readonly number[],
  b: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): { values: number[]; shape: number[] } {
  const ra = aShape.length;
  const rb = bShape.length;
  const m = transposeA ? aShape[ra - 1]! : aShape[ra - 2]!;
  const k = transposeA ? aShape[ra - 2]! : aShape[ra - 1]!;
  const n = transposeB ? bShape[rb - 2]! : bShape[rb - 1]!;
  const outerA = aShape.slice(0, -2);
  const outerB = bShape.slice(0, -2);
  const rank = Math.max(outerA.length, outerB.length);
  const padA = [...new Array<number>(rank - outerA.length).fill(1), ...outerA];
  const padB = [...new Array<number>(rank - outerB.length).fill(1), ...outerB];
  const outer = padA.map((d, i) => Math.max(d, padB[i]!));
  const batch = outer.reduce((x, y) => x * y, 1);
  const sA = strides(padA);
  const sB = strides(padB);
  const sO = strides(outer);
  const out = new Array<number>(batch * m * n).fill(0);
  for (let bi = 0; bi < batch; bi++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < rank; d++) {
      const idx = Math.floor(bi / sO[d]!) % outer[d]!;
      ia += (padA[d] === 1 ? 0 : idx) * sA[d]!;
      ib += (padB[d] === 1 ? 0 : idx) * sB[d]!;
    }
    const aBase = ia * m * k;
    const bBase = ib * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = transposeA ? a[aBase + p * m + i]! : a[aBase + i * k + p]!;
          const bv = transposeB ? b[bBase + j * k + p]! : b[bBase + p * n + j]!;
          s += av * bv;
        }
        out[(bi * m + i) * n + j] = s;
      }
    }
  }
  return { values: out, shape: [...outer, m, n] };
}

/**
 * `kernel`, made to sleep in its first call until a worker of `pool` has taken a chunk (or 10 s
 * pass): a test of the pool's workers then sees their part however the machine schedules them.
 */
export function slowFirstCall<A extends unknown[]>(
  pool: { readonly workerChunks: number },
  kernel: (...args: A) => void,
): (...args: A) => void {
  const before = pool.workerChunks;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let first = true;
  return (...args) => {
    if (first) {
      first = false;
      const deadline = Date.now() + 10_000;
      while (pool.workerChunks === before && Date.now() < deadline) Atomics.wait(nap, 0, 0, 5);
    }
    kernel(...args);
  };
}
