import * as tf from '@tensorflow/tfjs-core';

/** Constants of one AdamW step (see `AdamW.applyGradients`). */
export interface AdamWStepConstants {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** `lr / (1 - beta1^t)`. */
  stepSize: number;
  /** `sqrt(1 - beta2^t)`. */
  sqrtBiasCorrection2: number;
  /** `1 - lr * weightDecay` for decayed parameters, 1 otherwise. */
  decayFactor: number;
}

interface WasmLike {
  refCount(dataId: object): number;
  dataIdMap: { get(dataId: object): { memoryOffset: number | null } | undefined };
  wasm: { HEAPF32: Float32Array };
}

interface CpuLike {
  refCount(dataId: object): number;
  data: { get(dataId: object): { values?: unknown } | undefined };
}

/**
 * A float32 view of the memory that holds `t`'s values on the `wasm` or `cpu` backend, or null
 * (another backend, another dtype, or, with `exclusive`, data shared with another tensor). Writing
 * into the view changes the tensor in place.
 */
function storageView(t: tf.Tensor, backendName: string, exclusive: boolean): Float32Array | null {
  if (t.dtype !== 'float32' || t.isDisposed) return null;
  const backend = tf.engine().findBackend(backendName) as unknown;
  const dataId = t.dataId as object;
  if (backendName === 'wasm') {
    const b = backend as Partial<WasmLike>;
    if (typeof b.refCount !== 'function' || !b.dataIdMap || !b.wasm?.HEAPF32) return null;
    if (exclusive && b.refCount(dataId) !== 1) return null;
    const data = b.dataIdMap.get(dataId);
    if (!data || data.memoryOffset === null) return null;
    return new Float32Array(b.wasm.HEAPF32.buffer, data.memoryOffset, t.size);
  }
  if (backendName === 'cpu') {
    const b = backend as Partial<CpuLike>;
    if (typeof b.refCount !== 'function' || !b.data) return null;
    if (exclusive && b.refCount(dataId) !== 1) return null;
    const values = b.data.get(dataId)?.values;
    return values instanceof Float32Array && values.length === t.size ? values : null;
  }
  return null;
}

/**
 * One AdamW update of parameter `p` with gradient `g` and moments `m`, `v`, done in place in one
 * pass over the backend's memory (instead of about 17 kernel calls per parameter) on the `wasm` and
 * `cpu` backends, where tensors live in JavaScript-visible memory. Same arithmetic as the kernel
 * path, in float64 per element and rounded to float32 on the store:
 * `m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;`
 * `p = decayFactor p - stepSize m / (sqrt(v) / sqrtBiasCorrection2 + eps)`.
 * Returns false, changing nothing, where it cannot apply (another backend, or the parameter's or
 * moments' memory shared with another tensor); the caller then uses kernels.
 */
export function adamWStepInPlace(p: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, c: AdamWStepConstants): boolean {
  const backendName = tf.getBackend();
  if (backendName !== 'wasm' && backendName !== 'cpu') return false;
  if (tf.engine().findBackend(backendName) !== tf.backend()) return false;
  const pv = storageView(p, backendName, true);
  const mv = storageView(m, backendName, true);
  const vv = storageView(v, backendName, true);
  const gv = storageView(g, backendName, false);
  if (!pv || !mv || !vv || !gv) return false;
  const { beta1, beta2, epsilon, stepSize, sqrtBiasCorrection2, decayFactor } = c;
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < pv.length; i++) {
    const gi = gv[i] as number;
    const mi = beta1 * (mv[i] as number) + a1 * gi;
    const vi = beta2 * (vv[i] as number) + a2 * gi * gi;
    mv[i] = mi;
    vv[i] = vi;
    pv[i] = decayFactor * (pv[i] as number) - (stepSize * mi) / (Math.sqrt(vi) / sqrtBiasCorrection2 + epsilon);
  }
  return true;
}
