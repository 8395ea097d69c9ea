import * as tf from '@tensorflow/tfjs-core';
import { runtimePlatform, type WebGpuAdapterProbe, type WebGpuLoad } from '../platform/runtime-platform';
import { describeAdapter, describeAdapterInfo, type AdapterDescription } from '../webgpu/describe-adapter';
import { watchWebGpuDevice } from '../webgpu/watch-webgpu-device';
import type { WebGpuAdapter, WebGpuDevice, WebGpuEntry } from '../webgpu/webgpu-types';

/** What {@link tryWebgpu} gave. */
export interface WebGpuAttempt {
  readonly ok: boolean;
  /** Why it was used or skipped, in words. */
  readonly reason: string;
  /** `false` when WebGPU is there but cannot start as asked (reinstalling the package will not help). */
  readonly installed?: boolean;
  /** The adapter found, when one was. */
  readonly adapter?: AdapterDescription;
}

/** WebGPU from `globalThis.navigator.gpu`, for a runtime platform without the `loadWebGpu` hook. */
function globalWebGpu(): WebGpuLoad {
  const gpu = (globalThis as { navigator?: { gpu?: WebGpuEntry } }).navigator?.gpu;
  return gpu
    ? { loaded: true, gpu, source: 'navigator.gpu', noAdapterHint: 'install or update the GPU driver', install: () => undefined }
    : { loaded: false, installed: false, reason: 'this runtime has no WebGPU (navigator.gpu is missing)' };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Why `auto` does not take a software adapter. */
function softwareRefusal(description: AdapterDescription): WebGpuAttempt {
  return {
    ok: false,
    adapter: description,
    reason:
      `the only WebGPU adapter is a software one, ${description.name} (${description.softwareBecause ?? 'software'}): ` +
      'it runs on the CPU and is slower than wasm; ask for backend "webgpu" to use it anyway',
  };
}

/**
 * `auto`'s look at WebGPU through the platform's out-of-process probe: the attempt's failure where
 * the probe settles it (no WebGPU, no adapter, a software adapter only), undefined where WebGPU
 * should be loaded here (a hardware adapter was found, or the probe could not tell).
 */
async function probeOutOfProcess(probe: () => Promise<WebGpuAdapterProbe>): Promise<WebGpuAttempt | undefined> {
  let result: WebGpuAdapterProbe;
  try {
    result = await probe();
  } catch {
    return undefined;
  }
  switch (result.found) {
    case 'unavailable':
      return { ok: false, reason: result.reason, ...(result.installed === undefined ? {} : { installed: result.installed }) };
    case 'none':
      return { ok: false, installed: false, reason: `${result.source} found no WebGPU adapter; ${result.noAdapterHint}` };
    case 'adapter': {
      const description = describeAdapterInfo(result.adapter);
      return description.software ? softwareRefusal(description) : undefined;
    }
    case 'unknown':
      return undefined;
  }
}

/**
 * Starts tfjs-backend-webgpu: finds WebGPU through the runtime platform (the `webgpu` package
 * under Node, `navigator.gpu` in a browser), asks for the adapter tfjs will use and names it,
 * refuses a software adapter (it computes on the CPU) unless `allowSoftware`, then makes WebGPU
 * visible to tfjs, imports tfjs-backend-webgpu (only now: it registers itself at import when it
 * sees `navigator.gpu`), switches to it and watches its device for loss and out-of-memory errors.
 * Without `allowSoftware` (`auto`) it asks the platform's out-of-process probe first where there is
 * one, and loads WebGPU here only when that found a hardware adapter or could not tell.
 */
export async function tryWebgpu(allowSoftware: boolean): Promise<WebGpuAttempt> {
  const platform = runtimePlatform();
  // auto only probes: where the platform can, it looks outside this process first, so that a
  // WebGPU it will not use leaves no driver messages on the terminal (Node: Dawn in a child process)
  if (!allowSoftware && platform.probeWebGpuAdapter) {
    const settled = await probeOutOfProcess(platform.probeWebGpuAdapter);
    if (settled) return settled;
  }
  let found: WebGpuLoad;
  try {
    found = platform.loadWebGpu ? await platform.loadWebGpu() : globalWebGpu();
  } catch (err) {
    return { ok: false, reason: `looking for WebGPU failed: ${message(err)}` };
  }
  if (!found.loaded) return { ok: false, reason: found.reason, ...(found.installed === undefined ? {} : { installed: found.installed }) };
  let adapter: WebGpuAdapter | null;
  try {
    // the options tfjs-backend-webgpu's factory asks with (unless WEBGPU_USE_LOW_POWER_GPU is set)
    adapter = await found.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return {
      ok: false,
      installed: false,
      reason: `asking ${found.source} for a WebGPU adapter failed (${message(err)}); ${found.noAdapterHint}`,
    };
  }
  if (adapter === null) {
    return { ok: false, installed: false, reason: `${found.source} found no WebGPU adapter; ${found.noAdapterHint}` };
  }
  const description = describeAdapter(adapter);
  if (description.software && !allowSoftware) return softwareRefusal(description);
  found.install();
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
  } catch (err) {
    return { ok: false, adapter: description, reason: `@tensorflow/tfjs-backend-webgpu failed to load: ${message(err)}` };
  }
  if (tf.findBackendFactory('webgpu') === null) {
    return {
      ok: false,
      installed: false,
      adapter: description,
      reason:
        '@tensorflow/tfjs-backend-webgpu did not register its backend: it was imported before WebGPU was set up ' +
        '(call initBackend before importing it, or do not import it yourself)',
    };
  }
  let ok = false;
  try {
    ok = await tf.setBackend('webgpu');
  } catch (err) {
    return {
      ok: false,
      installed: false,
      adapter: description,
      reason: `the webgpu backend failed to start on ${description.name}: ${message(err)}`,
    };
  }
  if (!ok) {
    return {
      ok: false,
      installed: false,
      adapter: description,
      reason: `the webgpu backend failed to start on ${description.name} (tfjs printed why above)`,
    };
  }
  const device = (tf.backend() as unknown as { device?: WebGpuDevice }).device;
  if (device) watchWebGpuDevice(device);
  const software = description.software
    ? `; a software adapter (${description.softwareBecause ?? 'software'}): it runs on the CPU, slower than wasm, good for correctness checks only`
    : '';
  return { ok: true, adapter: description, reason: `WebGPU backend ready on ${description.name}, from ${found.source}${software}` };
}
