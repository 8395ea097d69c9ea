import type * as tf from '@tensorflow/tfjs-core';

interface DisposingBackend {
  disposeData(dataId: tf.DataId): unknown;
}

/** The most inputs one WebGPU `AddN` shader may bind: the per-stage storage buffer limit less the output. */
function maxWebGpuInputs(backend: unknown): number {
  const limit = (backend as { device?: { limits?: { maxStorageBuffersPerShaderStage?: number } } }).device?.limits
    ?.maxStorageBuffersPerShaderStage;
  // WebGPU guarantees 8 storage buffers per shader stage
  return Math.max(2, (typeof limit === 'number' && limit > 1 ? limit : 8) - 1);
}

/**
 * Wraps tfjs-backend-webgpu's `AddN` so that it takes any number of inputs: 4.22 binds every
 * input as a storage buffer of one shader, and more than the device's
 * `maxStorageBuffersPerShaderStage - 1` (7 on most devices) fail validation, leaving a wrong
 * result (e.g. the global gradient norm over a model's parameters). Here longer lists are summed
 * in groups, then the group sums, until one shader can take them.
 */
export function chunkedAddN(original: tf.KernelFunc): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const all = (inputs as unknown as tf.TensorInfo[]).slice();
    const max = maxWebGpuInputs(backend);
    if (all.length <= max) return original({ inputs, backend, attrs: attrs ?? {} });
    let level = all;
    const temps: tf.TensorInfo[] = [];
    try {
      while (level.length > max) {
        const next: tf.TensorInfo[] = [];
        for (let i = 0; i < level.length; i += max) {
          const group = level.slice(i, i + max);
          if (group.length === 1) {
            next.push(group[0] as tf.TensorInfo);
            continue;
          }
          const sum = original({ inputs: group as unknown as tf.NamedTensorInfoMap, backend, attrs: attrs ?? {} }) as tf.TensorInfo;
          temps.push(sum);
          next.push(sum);
        }
        level = next;
      }
      return original({ inputs: level as unknown as tf.NamedTensorInfoMap, backend, attrs: attrs ?? {} });
    } finally {
      for (const t of temps) (backend as DisposingBackend).disposeData(t.dataId);
    }
  };
}
