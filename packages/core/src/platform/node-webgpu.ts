import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { withFlatRequiredFeatures } from '../webgpu/flat-required-features';
import type { WebGpuEntry } from '../webgpu/webgpu-types';
import { DAWN_PROBE_MARKER, DAWN_PROBE_SCRIPT, type DawnProbeReport } from './dawn-probe-script';
import { importOptional, isModuleNotFound, resolveOptional } from './node-optional-import';
import type { WebGpuAdapterProbe, WebGpuLoad } from './runtime-platform';

/** The optional package with Dawn's WebGPU for Node (a prebuilt `dawn.node` in its tarball). */
const WEBGPU_PACKAGE = 'webgpu';

/** How WebGPU from the `webgpu` package is named in messages. */
const DAWN_SOURCE = 'the webgpu package (Dawn)';

/** How long the out-of-process probe may take before its driver counts as not answering. */
const PROBE_TIMEOUT_MS = 30_000;

/** Why the `webgpu` package did not load although it is installed. */
const loadFailedReason = (message: string): string =>
  `the webgpu package is installed but failed to load (its prebuilt dawn.node may not exist for ${process.platform}-${process.arch}): ${message}`;

const NOT_DAWN_REASON = "the installed webgpu package does not export create() and globals (it is not Dawn's webgpu package, 0.6 or later)";

const createFailedReason = (message: string): string => `the webgpu package failed to create a WebGPU instance: ${message}`;

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
    return { loaded: false, reason: loadFailedReason((err as Error).message) };
  }
  if (!isDawnModule(module)) return { loaded: false, reason: NOT_DAWN_REASON };
  let native: WebGpuEntry;
  try {
    native = module.create([]);
  } catch (err) {
    return { loaded: false, installed: false, reason: createFailedReason((err as Error).message) };
  }
  const gpu = withFlatRequiredFeatures(native);
  const globals = module.globals;
  return {
    loaded: true,
    gpu,
    source: DAWN_SOURCE,
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

/** The last non-empty line of `text`, for a message. */
function lastLine(text: string): string | undefined {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines[lines.length - 1];
}

/** The probe script's report in `stdout`, or undefined when it printed none. */
function parseReport(stdout: string): DawnProbeReport | undefined {
  const line = stdout
    .split('\n')
    .reverse()
    .find((l) => l.startsWith(DAWN_PROBE_MARKER));
  if (line === undefined) return undefined;
  try {
    return JSON.parse(line.slice(DAWN_PROBE_MARKER.length)) as DawnProbeReport;
  } catch {
    return undefined;
  }
}

/** What the probe script's report means for the caller. */
function verdict(report: DawnProbeReport): WebGpuAdapterProbe {
  if ('adapter' in report) {
    return report.adapter === null
      ? { found: 'none', source: DAWN_SOURCE, noAdapterHint: noAdapterHint() }
      : { found: 'adapter', adapter: report.adapter };
  }
  switch (report.failed) {
    case 'import':
      return { found: 'unavailable', reason: loadFailedReason(report.message) };
    case 'exports':
      return { found: 'unavailable', reason: NOT_DAWN_REASON };
    case 'create':
      return { found: 'unavailable', installed: false, reason: createFailedReason(report.message) };
    case 'requestAdapter':
      return {
        found: 'unavailable',
        installed: false,
        reason: `asking ${DAWN_SOURCE} for a WebGPU adapter failed (${report.message}); ${noAdapterHint()}`,
      };
  }
}

/** Runs the probe script on the `webgpu` package at `url` in a child process of this Node. */
function runProbe(url: string, timeoutMs: number): Promise<WebGpuAdapterProbe> {
  return new Promise((resolve) => {
    // Electron's binary runs as plain Node only when told to
    const env = process.versions.electron === undefined ? process.env : { ...process.env, ELECTRON_RUN_AS_NODE: '1' };
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(process.execPath, ['--input-type=module', '-e', DAWN_PROBE_SCRIPT, url], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env,
        windowsHide: true,
      });
    } catch (err) {
      resolve({ found: 'unknown', reason: `the probe could not start a child process: ${(err as Error).message}` });
      return;
    }
    let stdout = '';
    let stderr = '';
    // keep the end of the driver's messages only: the last line names a crash
    child.stdout?.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString()).slice(-65_536)));
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-65_536)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ found: 'unknown', reason: `the probe could not start a child process: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const report = parseReport(stdout);
      if (report !== undefined) resolve(verdict(report));
      else if (timedOut) {
        resolve({
          found: 'unavailable',
          installed: false,
          reason: `${DAWN_SOURCE} found no adapter within ${Math.round(timeoutMs / 1000)} s (the GPU driver did not answer)`,
        });
      } else if (signal !== null) {
        const said = lastLine(stderr);
        resolve({
          found: 'unavailable',
          installed: false,
          reason: `${DAWN_SOURCE} crashed (${signal}) while looking for an adapter${said ? `: ${said}` : ''}; ${noAdapterHint()}`,
        });
      } else {
        const said = lastLine(stderr);
        resolve({ found: 'unknown', reason: `the probe's child process exited with code ${code}${said ? `: ${said}` : ''}` });
      }
    });
  });
}

/**
 * Asks Dawn (the optional `webgpu` package) for the adapter tfjs-backend-webgpu would get, in a
 * child process of this Node: Dawn and the Vulkan drivers print to the process's own stderr while
 * they enumerate the adapters (lavapipe: `Warning: maxDynamicUniformBuffersPerPipelineLayout
 * artificially reduced from 1000000 to 16 ...`), which JavaScript cannot redirect in place, and
 * `webgpu`'s `create()` options (Dawn toggles, `backend=`, `adapter=`) do not turn that off. In the
 * child the messages go to a pipe that is read for a crash's reason and otherwise dropped, so
 * `initBackend({ backend: 'auto' })` skips a software-only or missing adapter without a word on the
 * terminal; Dawn is loaded into this process only when its adapter will be used. Gives `unknown`
 * (look in this process) when this runtime has `navigator.gpu` of its own, when Dawn is already
 * loaded here, when the package cannot be resolved (loading it says why) or when the child could
 * not run; a child that does not answer within `options.timeoutMs` (default 30 s) is killed.
 * `options.packageUrl` replaces the resolved package (a file URL of a module with `create`).
 */
export async function probeDawnAdapter(options: { packageUrl?: string; timeoutMs?: number } = {}): Promise<WebGpuAdapterProbe> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  if (options.packageUrl !== undefined) return runProbe(options.packageUrl, timeoutMs);
  if ((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu !== undefined) {
    return { found: 'unknown', reason: 'this runtime has a navigator.gpu of its own' };
  }
  if (loaded !== undefined) return { found: 'unknown', reason: 'Dawn is loaded in this process already' };
  const file = resolveOptional(WEBGPU_PACKAGE);
  if (file === undefined) return { found: 'unknown', reason: 'the webgpu package could not be resolved from here' };
  return runProbe(pathToFileURL(file).href, timeoutMs);
}
