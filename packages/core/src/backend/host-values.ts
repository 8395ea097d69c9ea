import * as tf from '@tensorflow/tfjs-core';

/** tfjs backends that keep tensors in host memory: reading one back waits on no device. */
const HOST_MEMORY_BACKENDS: ReadonlySet<string> = new Set(['cpu', 'wasm', 'tensorflow']);

/** The name under which `backend` is registered with the engine, if it is. */
function registeredName(backend: tf.KernelBackend): string | undefined {
  const registry = tf.engine().registry;
  return Object.keys(registry).find((name) => registry[name] === backend);
}

/**
 * The values of `t` when they can be had without waiting on a GPU: on the cpu, wasm and
 * tensorflow backends, which keep tensors in host memory, through that backend's own synchronous
 * read; `null` for a tensor on a GPU backend (webgpu, webgl), where a synchronous read stalls the
 * GPU pipeline and, for webgpu under Node, fails (tfjs-backend-webgpu 4.22 reads synchronously
 * through an OffscreenCanvas). For the small checks of library functions that cannot be `async`
 * (e.g. label ranges inside a loss, which runs within `tf.variableGrads`).
 */
export function hostValues(t: tf.Tensor): tf.backend_util.BackendValues | null {
  if (t.isDisposed) return null;
  const owner = tf.engine().state.tensorInfo.get(t.dataId)?.backend;
  if (owner === undefined) return null;
  const name = registeredName(owner);
  if (name === undefined || !HOST_MEMORY_BACKENDS.has(name)) return null;
  return owner.readSync(t.dataId);
}
