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
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  dataIdMap: { get(dataId: object): { memoryOffset: number | null } | undefined };
  wasm: { HEAPF32: Float32Array };
}

interface CpuLike {
  refCount(dataId: object): number;
  data: { get(dataId: object): { values?: unknown } | undefined };
}

/** Float32 view of wasm heap memory holding `size` values of `dataId`, or null if it has none. */
function wasmView(b: WasmLike, dataId: object, size: number): Float32Array | null {
  const data = b.dataIdMap.get(dataId);
  if (!data || data.memoryOffset === null) return null;
  return new Float32Array(b.wasm.HEAPF32.buffer, data.memoryOffset, size);
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
    return wasmView(b as WasmLike, dataId, t.size);
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
 * One AdamW update of parameter `p` with gradient `g` and moments `m`, `v` in one pass over the
 * backend's memory (instead of about 17 kernel calls per parameter) on the `wasm` and `cpu`
 * backends, where tensors live in JavaScript-visible memory: the moments are updated in place, the
 * parameter in place on cpu and into a new buffer on wasm (see below). Same arithmetic as the kernel
 * path, in float64 per element and rounded to float32 on the store:
 * `m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;`
 * `p = decayFactor p - stepSize m / (sqrt(v) / sqrtBiasCorrection2 + eps)`.
 * Returns false, changing nothing, where it cannot apply (another backend, or the parameter's or
 * moments' memory shared with another tensor); the caller then uses kernels.
 */
export function adamWStepInPlace(p: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, c: AdamWStepConstants): boolean {
  const backendName = tf.getBackend();
  if (backendName !== 'wasm' && backendName !== 'cpu') return false;
  const backend = tf.backend();
  if (tf.engine().findBackend(backendName) !== backend) return false;
  if (!storageView(p, backendName, true) || !storageView(m, backendName, true) || !storageView(v, backendName, true)) return false;
  if (!storageView(g, backendName, false)) return false;
  // tfjs-wasm caches XNNPACK operators (with the weights packed into them) by the weight tensor's
  // data id, so on wasm the parameter gets a new buffer rather than being changed in place.
  let fresh: tf.TensorInfo | null = null;
  if (backendName === 'wasm') fresh = (backend as unknown as WasmLike).makeOutput(p.shape.slice(), 'float32');
  // views only now: allocating may have grown (and so replaced) the wasm heap
  const pv = storageView(p, backendName, true) as Float32Array;
  const mv = storageView(m, backendName, true) as Float32Array;
  const vv = storageView(v, backendName, true) as Float32Array;
  const gv = storageView(g, backendName, false) as Float32Array;
  const out = fresh ? wasmView(backend as unknown as WasmLike, fresh.dataId as object, p.size) : pv;
  if (!out) throw new Error('AdamW: the wasm backend did not allocate the updated parameter.');
  const { beta1, beta2, epsilon, stepSize, sqrtBiasCorrection2, decayFactor } = c;
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < pv.length; i++) {
    const gi = gv[i] as number;
    const mi = beta1 * (mv[i] as number) + a1 * gi;
    const vi = beta2 * (vv[i] as number) + a2 * gi * gi;
    mv[i] = mi;
    vv[i] = vi;
    out[i] = decayFactor * (pv[i] as number) - (stepSize * mi) / (Math.sqrt(vi) / sqrtBiasCorrection2 + epsilon);
  }
  if (fresh) {
    const t = tf.engine().makeTensorFromTensorInfo(fresh);
    p.assign(t);
    t.dispose();
  }
  return true;
}
