import * as tf from '@tensorflow/tfjs-core';
import { runtimePlatform } from '../platform/runtime-platform';
import type { BackendAttempt, BackendChoice, InitBackendOptions, WebGpuAdapterSummary } from './backend-choice';
import { tryWasm } from './try-wasm';
import { tryWebgpu } from './try-webgpu';

const NODE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;

async function tryNode(backend: 'tensorflow-gpu' | 'tensorflow'): Promise<BackendAttempt> {
  const pkg = NODE_PACKAGES[backend];
  const load = await runtimePlatform().loadNativeBackend(pkg);
  if (!load.loaded) {
    return { backend, ok: false, reason: load.reason, ...(load.installed === undefined ? {} : { installed: load.installed }) };
  }
  const ok = await tf.setBackend('tensorflow');
  return ok
    ? { backend, ok: true, reason: `${pkg} loaded` }
    : { backend, ok: false, reason: `${pkg} loaded but the "tensorflow" backend failed to initialise` };
}

async function tryWebgl(): Promise<BackendAttempt> {
  if (runtimePlatform().name !== 'browser') {
    return { backend: 'webgl', ok: false, reason: 'WebGL is not available under Node (it needs a browser)' };
  }
  try {
    await import('@tensorflow/tfjs-backend-webgl');
  } catch (err) {
    return { backend: 'webgl', ok: false, reason: `@tensorflow/tfjs-backend-webgl failed to load: ${(err as Error).message}` };
  }
  let ok = false;
  try {
    ok = await tf.setBackend('webgl');
  } catch (err) {
    return { backend: 'webgl', ok: false, installed: false, reason: `WebGL failed to start: ${(err as Error).message}` };
  }
  if (!ok) {
    return { backend: 'webgl', ok: false, installed: false, reason: 'this browser has no usable WebGL (disabled, or no GPU driver)' };
  }
  const version = tf.env().getNumber('WEBGL_VERSION');
  return { backend: 'webgl', ok: true, reason: `WebGL ${version} backend ready` };
}

async function tryCpu(): Promise<BackendAttempt> {
  try {
    await import('@tensorflow/tfjs-backend-cpu');
  } catch (err) {
    return { backend: 'cpu', ok: false, reason: `@tensorflow/tfjs-backend-cpu failed to load: ${(err as Error).message}` };
  }
  const ok = await tf.setBackend('cpu');
  // initBackend already reports the choice and the alternatives; silence tfjs' own banner that
  // the cpu backend prints on its first write under Node.
  if (ok) (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
  return ok
    ? { backend: 'cpu', ok: true, reason: 'plain JavaScript backend ready' }
    : { backend: 'cpu', ok: false, reason: 'the cpu backend failed to initialise' };
}

/** The adapter of each successful webgpu attempt, for {@link webgpuAdapterOf}. */
const webgpuAdapters = new WeakMap<BackendAttempt, WebGpuAdapterSummary>();

/** The WebGPU adapter a successful `webgpu` attempt runs on, or `undefined` for any other attempt. */
export function webgpuAdapterOf(attempt: BackendAttempt): WebGpuAdapterSummary | undefined {
  return webgpuAdapters.get(attempt);
}

/** `auto`: a hardware adapter only; an explicit `webgpu`: a software one too. */
async function tryWebgpuBackend(explicit: boolean): Promise<BackendAttempt> {
  const result = await tryWebgpu(explicit);
  const attempt: BackendAttempt = {
    backend: 'webgpu',
    ok: result.ok,
    reason: result.reason,
    ...(result.installed === undefined ? {} : { installed: result.installed }),
  };
  if (result.ok && result.adapter) webgpuAdapters.set(attempt, { name: result.adapter.name, software: result.adapter.software });
  return attempt;
}

/**
 * Tries to start one backend (`explicit`: asked for by name, so a software WebGPU adapter is
 * taken too) and says what happened; never throws for a backend that is missing or fails.
 */
export async function attemptBackend(
  backend: Exclude<BackendChoice, 'auto'>,
  options: InitBackendOptions,
  explicit: boolean,
): Promise<BackendAttempt> {
  switch (backend) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return tryNode(backend);
    case 'webgpu':
      return tryWebgpuBackend(explicit);
    case 'wasm':
      return tryWasm(options);
    case 'webgl':
      return tryWebgl();
    case 'cpu':
      return tryCpu();
  }
}
