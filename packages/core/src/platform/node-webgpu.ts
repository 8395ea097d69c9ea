import { withFlatRequiredFeatures } from '../webgpu/flat-required-features';
import type { WebGpuEntry } from '../webgpu/webgpu-types';
import { importOptional, isModuleNotFound } from './node-optional-import';
import type { WebGpuLoad } from './runtime-platform';

/** The optional package with Dawn's WebGPU for Node (a prebuilt `dawn.node` in its tarball). */
const WEBGPU_PACKAGE = 'webgpu';

/** The exports of the `webgpu` package that @ait/core uses. */
interface DawnModule {
  /** A new WebGPU entry point (`GPU`); options are Dawn toggles such as `backend=vulkan`. */
  create(options: string[]): WebGpuEntry;
  /** The WebGPU interface objects and constants (`GPUBufferUsage`, `GPUMapMode`, ...). */
  globals: Record<string, unknown>;
}

function isDawnModule(value: unknown): value is DawnModule {
  const m = value as Partial<DawnModule> | null;
  return !!m && typeof m.create === 'function' && typeof m.globals === 'object' && m.globals !== null;
}

/**
 * Gives tfjs-backend-webgpu what it looks for in a browser: `navigator.gpu` (Node 20 has no
 * `navigator`, Node 21+ one without `gpu`) and the `GPUBufferUsage` / `GPUMapMode` /
 * `GPUTextureUsage` constants. Leaves names that exist alone.
 */
function installGlobals(gpu: WebGpuEntry, globals: Record<string, unknown>): void {
  const g = globalThis as Record<string, unknown> & { navigator?: { gpu?: unknown } };
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in g)) Object.defineProperty(g, name, { value, configurable: true, writable: true });
  }
  if (g.navigator === undefined) {
    Object.defineProperty(g, 'navigator', { value: { gpu }, configurable: true, writable: true });
  } else if (g.navigator.gpu === undefined) {
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
  }
}

/** What Dawn needs to find an adapter on this operating system (the no-adapter error's advice). */
export function noAdapterHint(): string {
  if (process.platform === 'darwin') return 'Dawn needs Metal (macOS 11 or later on a Mac with a Metal GPU)';
  if (process.platform === 'win32') return 'Dawn needs Direct3D 12 or Vulkan: install or update the GPU driver';
  return (
    "Dawn needs the Vulkan loader and a Vulkan driver: the GPU vendor's (NVIDIA's driver includes Vulkan), or " +
    '`apt-get install libvulkan1 mesa-vulkan-drivers` (Mesa: AMD and Intel GPUs, and lavapipe, which runs on the ' +
    'CPU; Dawn needs Mesa 23 or later, on Debian 12 from bookworm-backports: ' +
    '`apt-get install -t bookworm-backports mesa-vulkan-drivers`); `vulkaninfo --summary` (vulkan-tools) lists ' +
    'the drivers Vulkan finds'
  );
}

async function load(): Promise<WebGpuLoad> {
  const own = (globalThis as { navigator?: { gpu?: WebGpuEntry } }).navigator?.gpu;
  if (own !== undefined) {
    // a runtime with WebGPU of its own (or one installed by hand before initBackend)
    return { loaded: true, gpu: own, source: "this runtime's navigator.gpu", noAdapterHint: noAdapterHint(), install: () => undefined };
  }
  let module: unknown;
  try {
    module = await importOptional(WEBGPU_PACKAGE);
  } catch (err) {
    if (isModuleNotFound(err, WEBGPU_PACKAGE)) {
      return { loaded: false, reason: "the webgpu package (Dawn's WebGPU for Node) is not installed" };
    }
    return {
      loaded: false,
      reason: `the webgpu package is installed but failed to load (its prebuilt dawn.node may not exist for ${process.platform}-${process.arch}): ${(err as Error).message}`,
    };
  }
  if (!isDawnModule(module)) {
    return {
      loaded: false,
      reason: "the installed webgpu package does not export create() and globals (it is not Dawn's webgpu package, 0.6 or later)",
    };
  }
  let native: WebGpuEntry;
  try {
    native = module.create([]);
  } catch (err) {
    return { loaded: false, installed: false, reason: `the webgpu package failed to create a WebGPU instance: ${(err as Error).message}` };
  }
  const gpu = withFlatRequiredFeatures(native);
  const globals = module.globals;
  return {
    loaded: true,
    gpu,
    source: 'the webgpu package (Dawn)',
    noAdapterHint: noAdapterHint(),
    install: () => installGlobals(gpu, globals),
  };
}

let loaded: Promise<WebGpuLoad> | undefined;

/**
 * WebGPU under Node from the optional `webgpu` package (found from the application's folder,
 * then from @ait/core's), with one Dawn instance per process. The entry point it gives flattens
 * tfjs-backend-webgpu 4.22's nested `requiredFeatures`, which Dawn rejects. A failure is not
 * remembered, so installing the package and calling again works.
 */
export function loadDawnWebGpu(): Promise<WebGpuLoad> {
  const pending = loaded ?? load();
  loaded = pending;
  void pending.then((result) => {
    if (!result.loaded && loaded === pending) loaded = undefined;
  });
  return pending;
}
