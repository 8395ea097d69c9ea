import type { WebGpuAdapter, WebGpuAdapterInfo } from './webgpu-types';

/** What {@link describeAdapter} found out about a WebGPU adapter. */
export interface AdapterDescription {
  /** A human name, e.g. `NVIDIA GeForce RTX 4090 (nvidia, vulkan)` or `llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)`. */
  readonly name: string;
  /** Whether the adapter computes on the CPU (lavapipe/llvmpipe, SwiftShader, WARP, a fallback adapter). */
  readonly software: boolean;
  /** Why it counts as software, when it does. */
  readonly softwareBecause?: string;
}

/** Device names of the CPU rasterisers WebGPU implementations fall back to. */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|softpipe|microsoft basic render|\bwarp\b/i;

/**
 * Names a WebGPU adapter and says whether it is a software one: a fallback adapter
 * (`isFallbackAdapter`, on the adapter or its info), adapter info `type` `cpu`, architecture
 * `software`, or a device/description naming a CPU rasteriser (lavapipe/llvmpipe, SwiftShader,
 * softpipe, WARP). A software adapter runs WebGPU's shaders on the CPU: correct, but slower than
 * the wasm backend.
 */
export function describeAdapter(adapter: WebGpuAdapter): AdapterDescription {
  const info = adapter.info ?? {};
  return describeAdapterInfo(adapter.isFallbackAdapter === true ? { ...info, isFallbackAdapter: true } : info);
}

/**
 * {@link describeAdapter} from an adapter's info alone (with `isFallbackAdapter` in it), as a
 * probe in another process reports it.
 */
export function describeAdapterInfo(info: WebGpuAdapterInfo): AdapterDescription {
  const text = (value: string | undefined): string => (typeof value === 'string' ? value.trim() : '');
  const label = text(info.description) || text(info.device) || 'unnamed adapter';
  const extra = [text(info.vendor), text(info.architecture)].filter((s) => s.length > 0 && !label.toLowerCase().includes(s.toLowerCase()));
  const name = extra.length > 0 ? `${label} (${extra.join(', ')})` : label;
  let because: string | undefined;
  if (info.isFallbackAdapter === true) because = 'it is a fallback adapter';
  else if (text(info.type).toLowerCase() === 'cpu') because = 'its adapter type is cpu';
  else if (text(info.architecture).toLowerCase() === 'software') because = 'its architecture is "software"';
  else {
    const match = SOFTWARE_NAMES.exec(`${text(info.device)} ${text(info.description)}`);
    if (match) because = `it is ${match[0]}, a CPU rasteriser`;
  }
  return because === undefined ? { name, software: false } : { name, software: true, softwareBecause: because };
}
