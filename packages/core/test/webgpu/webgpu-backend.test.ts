// initBackend's webgpu backend: its errors (no webgpu package, no adapter, a software adapter
// under auto) through a stubbed platform hook, the adapter classification, the requiredFeatures
// fix, the device watch, and the real thing on this machine's adapter where there is one.
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BackendUnavailableError,
  clearDeviceFailures,
  deviceFailure,
  initBackend,
  type WebGpuAdapter,
  type WebGpuLoad,
} from '../../src/index';
import { nodePlatform } from '../../src/platform/node-platform';
import { noAdapterHint } from '../../src/platform/node-webgpu';
import { setRuntimePlatform } from '../../src/platform/runtime-platform';
import { describeAdapter } from '../../src/webgpu/describe-adapter';
import { flattenRequiredFeatures, withFlatRequiredFeatures } from '../../src/webgpu/flat-required-features';
import { watchWebGpuDevice } from '../../src/webgpu/watch-webgpu-device';
import type { WebGpuDeviceLostInfo } from '../../src/webgpu/webgpu-types';
import { restoreBackendAfterwards, webgpuMissing } from '../../testing/index';

/** The Node platform with `loadWebGpu` replaced (and no out-of-process probe: auto looks through `load` too). */
function withWebGpu(load: () => Promise<WebGpuLoad>): void {
  setRuntimePlatform({ ...nodePlatform, loadWebGpu: load, probeWebGpuAdapter: undefined });
}

/** A fake adapter with the given info. */
function adapter(info: WebGpuAdapter['info']): WebGpuAdapter {
  return { info, features: new Set<string>(), requestDevice: async () => ({}) };
}

/** A platform result that finds `found` as the adapter; `install` is a spy. */
function loaded(found: WebGpuAdapter | null): WebGpuLoad & { loaded: true; install: ReturnType<typeof vi.fn<() => void>> } {
  return {
    loaded: true,
    gpu: { requestAdapter: async () => found },
    source: 'the webgpu package (Dawn)',
    noAdapterHint: noAdapterHint(),
    install: vi.fn<() => void>(),
  };
}

const LAVAPIPE = {
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe-llvm-15',
  description: 'llvmpipe: Mesa 25.0.7 (LLVM 15.0.6)',
};

describe('initBackend webgpu: errors that say what to install', () => {
  afterEach(() => setRuntimePlatform(nodePlatform));
  restoreBackendAfterwards();

  it('without the webgpu package: npm install webgpu and a Vulkan driver; the backend stays', async () => {
    await initBackend({ backend: 'cpu' });
    withWebGpu(async () => ({ loaded: false, reason: "the webgpu package (Dawn's WebGPU for Node) is not installed" }));
    const err = await initBackend({ backend: 'webgpu' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    expect((err as BackendUnavailableError).backend).toBe('webgpu');
    const message = (err as Error).message;
    expect(message).toMatch(/"webgpu" is not available: the webgpu package .* is not installed/);
    expect(message).toMatch(/npm install webgpu/);
    expect(message).toMatch(/libvulkan1 mesa-vulkan-drivers/);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('with no adapter (no Vulkan driver): names the driver to install, not the package', async () => {
    withWebGpu(async () => loaded(null));
    const err = await initBackend({ backend: 'webgpu' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BackendUnavailableError);
    const message = (err as Error).message;
    expect(message).toMatch(/the webgpu package \(Dawn\) found no WebGPU adapter/);
    expect(message).toMatch(/Vulkan loader and a Vulkan driver/);
    expect(message).toMatch(/apt-get install libvulkan1 mesa-vulkan-drivers/);
    expect(message).toMatch(/bookworm-backports/);
    expect(message).not.toMatch(/npm install webgpu/);
    expect(tf.getBackend()).toBe('cpu');
  });

  it('a failing requestAdapter is reported with the same advice', async () => {
    withWebGpu(async () => ({ ...loaded(null), gpu: { requestAdapter: () => Promise.reject(new Error('vkCreateInstance failed')) } }));
    const err = await initBackend({ backend: 'webgpu' }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /asking the webgpu package \(Dawn\) for a WebGPU adapter failed \(vkCreateInstance failed\); Dawn needs/,
    );
  });

  it('auto skips a software adapter, says why, and sets nothing up for it', async () => {
    const found = loaded(adapter(LAVAPIPE));
    withWebGpu(async () => found);
    const info = await initBackend({ backend: 'auto' });
    const webgpu = info.attempts.find((a) => a.backend === 'webgpu');
    expect(webgpu?.ok).toBe(false);
    expect(webgpu?.reason).toMatch(
      /only WebGPU adapter is a software one, llvmpipe: Mesa 25\.0\.7.*runs on the CPU.*ask for backend "webgpu"/,
    );
    expect(info.backend).not.toBe('webgpu');
    expect(info.summary).toMatch(/skipped .*webgpu: the only WebGPU adapter is a software one/);
    expect(found.install).not.toHaveBeenCalled();
  });

  it('auto reports a missing webgpu package among the skipped backends and goes on', async () => {
    withWebGpu(async () => ({ loaded: false, reason: 'the webgpu package is not installed' }));
    const info = await initBackend({ backend: 'auto' });
    expect(info.attempts.find((a) => a.backend === 'webgpu')?.reason).toBe('the webgpu package is not installed');
    expect(['wasm', 'tensorflow', 'tensorflow-gpu']).toContain(info.backend);
  });
});

describe('describeAdapter', () => {
  it('recognises software adapters by every sign browsers and Dawn give', () => {
    expect(describeAdapter(adapter(LAVAPIPE))).toMatchObject({ software: true, softwareBecause: 'its architecture is "software"' });
    expect(describeAdapter(adapter({ ...LAVAPIPE, isFallbackAdapter: true })).softwareBecause).toBe('it is a fallback adapter');
    expect(describeAdapter({ ...adapter({ vendor: 'google' }), isFallbackAdapter: true }).software).toBe(true);
    expect(describeAdapter(adapter({ type: 'cpu', description: 'some device' })).softwareBecause).toBe('its adapter type is cpu');
    expect(
      describeAdapter(adapter({ vendor: 'google', device: 'swiftshader', description: 'SwiftShader Device (Subzero)' })),
    ).toMatchObject({
      software: true,
      softwareBecause: 'it is swiftshader, a CPU rasteriser',
    });
    expect(describeAdapter(adapter({ description: 'Microsoft Basic Render Driver' })).software).toBe(true);
  });

  it('takes a GPU for a GPU and names it', () => {
    const nvidia = describeAdapter(adapter({ vendor: 'nvidia', architecture: 'hopper', device: '', description: 'NVIDIA H100 80GB HBM3' }));
    expect(nvidia).toEqual({ name: 'NVIDIA H100 80GB HBM3 (hopper)', software: false });
    expect(describeAdapter(adapter({ vendor: 'intel', architecture: 'gen-12lp' })).name).toBe('unnamed adapter (intel, gen-12lp)');
    expect(describeAdapter(adapter(undefined))).toEqual({ name: 'unnamed adapter', software: false });
  });
});

describe("the fix for tfjs-backend-webgpu 4.22's requiredFeatures under Dawn", () => {
  it('flattens the nested feature list and leaves the rest of the descriptor alone', () => {
    const descriptor = { requiredFeatures: ['timestamp-query', ['bgra8unorm-storage']], requiredLimits: { maxBufferSize: 4 } };
    expect(flattenRequiredFeatures(descriptor)).toEqual({
      requiredFeatures: ['timestamp-query', 'bgra8unorm-storage'],
      requiredLimits: { maxBufferSize: 4 },
    });
    expect(flattenRequiredFeatures(undefined)).toBeUndefined();
    expect(flattenRequiredFeatures({ label: 'x' })).toEqual({ label: 'x' });
  });

  it("wraps the entry point so that the adapter's requestDevice gets the flat list", async () => {
    const requestDevice = vi.fn(async (d?: object) => d);
    const native = {
      info: { vendor: 'v' },
      features: new Set(['timestamp-query']),
      requestDevice,
    };
    const gpu = withFlatRequiredFeatures({ requestAdapter: async () => native });
    const wrapped = await gpu.requestAdapter();
    expect(wrapped?.info).toEqual({ vendor: 'v' });
    expect(wrapped?.features.has('timestamp-query')).toBe(true);
    await wrapped?.requestDevice({ requiredFeatures: [['bgra8unorm-storage']] });
    expect(requestDevice).toHaveBeenCalledWith({ requiredFeatures: ['bgra8unorm-storage'] });
    expect(await withFlatRequiredFeatures({ requestAdapter: async () => null }).requestAdapter()).toBeNull();
  });
});

describe('watchWebGpuDevice', () => {
  /** A fake device whose loss and errors the test triggers. */
  function fakeDevice() {
    let lose: (info: WebGpuDeviceLostInfo) => void = () => undefined;
    const listeners: ((event: { error: { message: string; constructor: { name: string } } }) => void)[] = [];
    const device = {
      lost: new Promise<WebGpuDeviceLostInfo>((resolve) => {
        lose = resolve;
      }),
      addEventListener: (_type: 'uncapturederror', listener: (typeof listeners)[number]) => listeners.push(listener),
      destroy: () => undefined,
    };
    return {
      device,
      lose: (info: WebGpuDeviceLostInfo) => lose(info),
      fire: (name: string, message: string) => listeners.forEach((l) => l({ error: { message, constructor: { name } } })),
    };
  }

  it('says what to reduce or restart when the device is lost, and nothing when it was destroyed', async () => {
    const log = vi.fn();
    const lost = fakeDevice();
    watchWebGpuDevice(lost.device, log);
    watchWebGpuDevice(lost.device, log); // once per device
    lost.lose({ reason: 'unknown', message: 'Device lost: driver reset' });
    await new Promise((r) => setTimeout(r, 0));
    expect(log).toHaveBeenCalledTimes(1);
    expect(deviceFailure('webgpu')).toEqual({ backend: 'webgpu', kind: 'lost', detail: 'unknown: Device lost: driver reset' });
    clearDeviceFailures();
    expect(log.mock.calls[0]?.[0]).toMatch(
      /WebGPU device was lost \(unknown: Device lost: driver reset\).*reduce the batch size.*Resume from the last checkpoint/,
    );
    const destroyed = fakeDevice();
    const quiet = vi.fn();
    watchWebGpuDevice(destroyed.device, quiet);
    destroyed.lose({ reason: 'destroyed', message: '' });
    await new Promise((r) => setTimeout(r, 0));
    expect(quiet).not.toHaveBeenCalled();
    expect(deviceFailure('webgpu')).toBeNull();
    // Dawn's loss when its instance is released (a page unloading, the process exiting) is no failure
    const shutdown = fakeDevice();
    watchWebGpuDevice(shutdown.device, quiet);
    shutdown.lose({ reason: 'unknown', message: 'A valid external Instance reference no longer exists.' });
    await new Promise((r) => setTimeout(r, 0));
    expect(quiet).not.toHaveBeenCalled();
    expect(deviceFailure('webgpu')).toBeNull();
  });

  it('reports running out of GPU memory once, with what to reduce', () => {
    const log = vi.fn();
    const d = fakeDevice();
    watchWebGpuDevice(d.device, log);
    d.fire('GPUOutOfMemoryError', 'vkCreateBuffer failed with VK_ERROR_OUT_OF_DEVICE_MEMORY\n - While calling CreateBuffer');
    d.fire('GPUOutOfMemoryError', 'again');
    expect(log).toHaveBeenCalledTimes(1);
    expect(deviceFailure('webgpu')).toEqual({
      backend: 'webgpu',
      kind: 'out-of-memory',
      detail: 'vkCreateBuffer failed with VK_ERROR_OUT_OF_DEVICE_MEMORY',
    });
    clearDeviceFailures();
    expect(log.mock.calls[0]?.[0]).toMatch(
      /ran out of GPU memory \(vkCreateBuffer failed with VK_ERROR_OUT_OF_DEVICE_MEMORY\).*reduce the batch size/,
    );
  });
});

const missing = await webgpuMissing('the webgpu backend on a real adapter');

describe.skipIf(missing !== null)('initBackend webgpu on this machine', () => {
  restoreBackendAfterwards();

  it('starts tfjs-backend-webgpu through Dawn, names the adapter and computes', async () => {
    const info = await initBackend({ backend: 'webgpu' });
    expect(info.backend).toBe('webgpu');
    expect(info.tfjsBackend).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    expect(info.webgpuAdapter?.name.length).toBeGreaterThan(0);
    if (info.webgpuAdapter?.software) expect(info.summary).toMatch(/a software adapter .* runs on the CPU, slower than wasm/);
    const a = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const y = tf.matMul(a, a, false, true);
    expect(Array.from(await y.data())).toEqual([5, 11, 11, 25]);
    tf.dispose([a, y]);
    // a second call finds the backend running
    expect((await initBackend({ backend: 'webgpu' })).tfjsBackend).toBe('webgpu');
  });
});
