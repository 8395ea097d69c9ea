import type { WebGpuAdapter, WebGpuAdapterOptions, WebGpuEntry } from './webgpu-types';

/**
 * `requiredFeatures` as a flat list of names: tfjs-backend-webgpu 4.22 asks for
 * `['timestamp-query', ['bgra8unorm-storage']]`, which browsers accept (WebIDL turns the inner
 * array into its string) and Dawn's Node bindings reject.
 */
export function flattenRequiredFeatures(descriptor: object | undefined): object | undefined {
  const features = (descriptor as { requiredFeatures?: Iterable<unknown> } | undefined)?.requiredFeatures;
  if (features === undefined || features === null || typeof features !== 'object') return descriptor;
  const flat = [...new Set(Array.from(features).flat(Infinity).map(String))];
  return { ...descriptor, requiredFeatures: flat };
}

/** `adapter`, except that `requestDevice` flattens `requiredFeatures` first. */
function flatteningAdapter(adapter: WebGpuAdapter): WebGpuAdapter {
  const requestDevice = (descriptor?: object): Promise<unknown> => adapter.requestDevice(flattenRequiredFeatures(descriptor));
  // A proxy, not a changed adapter: getters of the native object run on the native object.
  return new Proxy(adapter, {
    get(target, prop) {
      if (prop === 'requestDevice') return requestDevice;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * A WebGPU entry point (`navigator.gpu`) over `gpu` whose adapters accept tfjs-backend-webgpu's
 * nested `requiredFeatures` (see {@link flattenRequiredFeatures}); everything else goes to `gpu`.
 */
export function withFlatRequiredFeatures(gpu: WebGpuEntry): WebGpuEntry {
  const wrapped: WebGpuEntry = {
    requestAdapter: async (options?: WebGpuAdapterOptions) => {
      const adapter = await gpu.requestAdapter(options);
      return adapter === null ? null : flatteningAdapter(adapter);
    },
  };
  // the rest of GPU (getPreferredCanvasFormat, wgslLanguageFeatures) from the native object
  return new Proxy(gpu, {
    get(target, prop) {
      if (prop === 'requestAdapter') return wrapped.requestAdapter;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
