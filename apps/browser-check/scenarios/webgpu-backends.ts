import { BackendUnavailableError, initBackend } from '@ait/core';
import { gpuSyncReadControl } from './sync-reads';

/** The adapter `navigator.gpu.requestAdapter()` gives, as the browser describes it. */
export interface RawAdapterInfo {
  readonly vendor: string;
  readonly architecture: string;
  readonly device: string;
  readonly description: string;
  readonly isFallbackAdapter?: boolean;
}

/** What `initBackend({ backend: 'webgpu' })` gave: the backend and adapter, or the error. */
export type WebGpuChoice =
  | {
      readonly ok: true;
      readonly backend: string;
      readonly tfjsBackend: string;
      readonly adapter?: { readonly name: string; readonly software: boolean };
      readonly summary: string;
      /** The sync-read counter's negative control on this backend (`gpuSyncReadControl`). */
      readonly syncReadControl: { readonly hostRead: number; readonly gpuRead: number };
    }
  | { readonly ok: false; readonly errorName: string; readonly isBackendUnavailableError: boolean; readonly message: string };

/** What a page found out about WebGPU and what `initBackend` chose there. */
export interface WebGpuBackendsReport {
  readonly secureContext: boolean;
  /** Whether `navigator.gpu` exists. */
  readonly navigatorGpu: boolean;
  /** The adapter the browser offers (asked as tfjs asks: high performance), or `null`. */
  readonly adapter: RawAdapterInfo | null;
  /** `initBackend({ backend: 'auto' })`, asked first. */
  readonly auto: { readonly backend: string; readonly webgpuReason: string; readonly summary: string };
  /** `initBackend({ backend: 'webgpu' })`, asked after `auto`. */
  readonly explicit: WebGpuChoice;
}

interface GpuAdapterLike {
  readonly info?: Partial<RawAdapterInfo>;
}

interface NavigatorGpuLike {
  requestAdapter(options: { powerPreference: string }): Promise<GpuAdapterLike | null>;
}

async function browserAdapter(gpu: NavigatorGpuLike | undefined): Promise<RawAdapterInfo | null> {
  const adapter = await gpu?.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return null;
  const info = adapter.info ?? {};
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    ...(info.isFallbackAdapter === undefined ? {} : { isFallbackAdapter: info.isFallbackAdapter }),
  };
}

/**
 * In a page: what the browser's WebGPU offers, what `initBackend({ backend: 'auto' })` picks (it
 * must skip a software adapter and take wasm), then what `initBackend({ backend: 'webgpu' })` gives
 * (a software adapter taken, with the sync-read counter's control run on it, or the
 * `BackendUnavailableError` where there is no WebGPU).
 */
export async function webgpuBackends(): Promise<WebGpuBackendsReport> {
  const gpu = (navigator as Navigator & { gpu?: NavigatorGpuLike }).gpu;
  const adapter = await browserAdapter(gpu);
  const auto = await initBackend({ backend: 'auto' });
  const webgpuAttempt = auto.attempts.find((a) => a.backend === 'webgpu');
  let explicit: WebGpuChoice;
  try {
    const info = await initBackend({ backend: 'webgpu' });
    explicit = {
      ok: true,
      backend: info.backend,
      tfjsBackend: info.tfjsBackend,
      ...(info.webgpuAdapter ? { adapter: { name: info.webgpuAdapter.name, software: info.webgpuAdapter.software } } : {}),
      summary: info.summary,
      syncReadControl: gpuSyncReadControl(),
    };
  } catch (err) {
    explicit = {
      ok: false,
      errorName: err instanceof Error ? err.name : typeof err,
      isBackendUnavailableError: err instanceof BackendUnavailableError,
      message: err instanceof Error ? err.message : String(err),
    };
  }
  return {
    secureContext: isSecureContext,
    navigatorGpu: gpu !== undefined,
    adapter,
    auto: { backend: auto.backend, webgpuReason: webgpuAttempt?.reason ?? '(webgpu was not tried)', summary: auto.summary },
    explicit,
  };
}
